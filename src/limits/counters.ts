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
}

export interface TakeResult {
  /** Whether every bucket had its cost (then each was charged); otherwise none was. */
  allowed: boolean;
  /** Each bucket's level afterwards (possibly fractional, possibly negative after a correction). */
  levels: number[];
}

export interface LimitCounters {
  take(buckets: BucketSpec[]): Promise<TakeResult>;
  /** Charges `delta` more (negative: gives back), e.g. when the real token count of a call is known. */
  adjust(bucket: Omit<BucketSpec, "cost">, delta: number): Promise<void>;
  /** Takes one of `max` in-flight slots for `holder`; false when all are taken. */
  acquire(id: string, max: number, holder: string): Promise<boolean>;
  release(id: string, holder: string): Promise<void>;
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

/** Milliseconds until a bucket at `level` holds `amount`. */
export function msUntil(level: number, amount: number, capacity: number): number {
  return level >= amount ? 0 : Math.ceil(((amount - level) * MINUTE_MS) / capacity);
}
