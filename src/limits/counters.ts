/**
 * The counters limits are enforced with, behind one interface with two implementations: in this process's
 * memory (one instance) and in Redis (src/store/limit-counters.ts: every instance shares one count).
 *
 * Requests and tokens per minute are token buckets: a bucket holds up to `capacity` (the per-minute limit),
 * refills continuously at capacity per 60 s, and a request takes its cost out of it. That is the semantics
 * OpenAI and Anthropic document for their own limits, so their clients' headers mean what they expect.
 */
export interface BucketSpec {
  /** Names the bucket, e.g. "team-a:rpm". */
  id: string;
  capacity: number;
  cost: number;
  /**
   * Units to take on top of the cost for the caller to grant later (a lease, src/limits/leased-counters.ts),
   * taken only when the cost is and the bucket stays at or above `leaseFloor` of its capacity afterwards.
   */
  lease?: number;
}

export interface TakeResult {
  /** Whether every bucket had its cost (then each was charged); otherwise none was. */
  allowed: boolean;
  /** Each bucket's level afterwards (possibly fractional, possibly negative after a correction). */
  levels: number[];
  /** Each bucket's leased units (0 when none was asked for or the bucket was too low to lend). */
  leased: number[];
}

/** A bucket lends units only while it keeps at least this share of its capacity: near empty, every grant is exact. */
export const leaseFloor = 0.2;

/** One of `max` in-flight slots, held by `holder` (unique per request) until released. */
export interface SlotSpec {
  id: string;
  max: number;
  holder: string;
}

export interface AdmitResult extends TakeResult {
  /** False when all in-flight slots were taken: then no bucket was charged (and `allowed` is false). */
  slot: boolean;
  /** Slots still free after this update (0 when refused; `Infinity` without a slot). */
  free: number;
}

/** A correction of a bucket by `delta` (negative: gives back), e.g. when a call's real token count is known. */
export interface Adjustment {
  bucket: Omit<BucketSpec, "cost">;
  delta: number;
}

/*
 * Each method is one atomic update, in Redis one round trip: a request with every limit makes three (admit,
 * the tokens take once its body is read, and release with the tokens correction when the response ends),
 * unless src/limits/leased-counters.ts grants them from what it leased.
 */
export interface LimitCounters {
  take(buckets: BucketSpec[]): Promise<TakeResult>;
  /**
   * Takes the in-flight slot (when given), then the buckets' costs, all or nothing: a refused bucket leaves
   * the slot free, a refused slot leaves the buckets uncharged.
   */
  admit(slot: SlotSpec | undefined, buckets: BucketSpec[]): Promise<AdmitResult>;
  /**
   * `admit` decided without waiting, when these counters can (in memory; from leases and kept slots), with
   * the same effect; undefined when only `admit` can decide (nothing was taken then). Never throws.
   */
  admitNow?(slot: SlotSpec | undefined, buckets: BucketSpec[]): AdmitResult | undefined;
  /** `take` decided without waiting, as `admitNow`. */
  takeNow?(buckets: BucketSpec[]): TakeResult | undefined;
  adjust(adjustment: Adjustment): Promise<void>;
  /** Gives a slot taken by `admit` back, applying `adjustment` in the same update when given. */
  release(slot: Omit<SlotSpec, "max">, adjustment?: Adjustment): Promise<void>;
  /** Counts one event in a fixed window of `windowMs` starting at the first; the count and ms left in it. */
  count(id: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  close(): Promise<void>;
}

export const MINUTE_MS = 60_000;

/** A bucket's level `elapsedMs` after it was at `level`. */
export function refilled(level: number, elapsedMs: number, capacity: number): number {
  return Math.min(capacity, level + (Math.max(0, elapsedMs) * capacity) / MINUTE_MS);
}

/** A request costing more than the whole bucket is let through when the bucket is full, never refused forever. */
export const needed = (bucket: BucketSpec) => Math.min(bucket.cost, bucket.capacity);

/** The units a bucket at `level` lends besides `bucket`'s cost, when it was charged that cost. */
export function lent(bucket: BucketSpec, level: number): number {
  const lease = bucket.lease ?? 0;
  return lease > 0 && level - bucket.cost - lease >= bucket.capacity * leaseFloor ? lease : 0;
}

/** Milliseconds until a bucket at `level` holds `amount`. */
export function msUntil(level: number, amount: number, capacity: number): number {
  return level >= amount ? 0 : Math.ceil(((amount - level) * MINUTE_MS) / capacity);
}
