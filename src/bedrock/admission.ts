import { GatewayError } from "../errors.js";
import type { StreamObserver } from "./transport.js";

export interface AdmissionOptions {
  /** Calls in flight at once (BEDROCK_MAX_CONCURRENT_CALLS). */
  limit: number;
  /** Calls that may wait for a slot (BEDROCK_QUEUE_LIMIT). */
  queueLimit: number;
  /** Longest wait for a slot (BEDROCK_QUEUE_TIMEOUT). */
  queueTimeoutMs: number;
}

export interface Load {
  running: number;
  waiting: number;
}

/** Seconds a refused client is told to wait: long enough for a burst to pass, short enough to stay useful. */
const retryAfterSeconds = 2;

const overloaded = (why: string) =>
  new GatewayError(
    "unavailable",
    `The gateway is at its limit of concurrent Bedrock calls (${why}); retry shortly.`,
    {
      code: "overloaded",
      retryAfter: retryAfterSeconds,
    },
  );

/*
 * Admission control in front of Bedrock: per region, at most BEDROCK_MAX_CONCURRENT_CALLS calls in flight (a
 * stream holds its slot until it ends) and at most BEDROCK_QUEUE_LIMIT waiting, in arrival order, for at most
 * BEDROCK_QUEUE_TIMEOUT; past either bound the call is refused at once with 503 (Anthropic: 529
 * overloaded_error) and retry-after, never left waiting without end behind calls that hang. Which region's slot
 * a call takes is the failover's choice (src/bedrock/regions/regional-runtime.ts).
 */

/** A call waiting for a slot in any of `accepts`; its place counts against `countedIn`'s queue limit. */
interface Waiter {
  accepts: CallSlots[];
  countedIn: CallSlots;
  admit(slot: Slot): void;
  refuse(reason: unknown): void;
}

/**
 * The calls waiting for a slot, in arrival order, shared by the pools of all regions: a slot given back in any
 * region goes to the oldest call that may run there.
 */
export class WaitLine {
  readonly waiters: Waiter[] = [];

  add(waiter: Waiter): void {
    this.waiters.push(waiter);
    waiter.countedIn.waiting++;
  }

  /** Takes `waiter` out of the line; false if it was not in it. */
  remove(waiter: Waiter): boolean {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return false;
    this.waiters.splice(index, 1);
    waiter.countedIn.waiting--;
    return true;
  }

  /** The oldest waiter that may run in `pool`, out of the line. */
  nextFor(pool: CallSlots): Waiter | undefined {
    const waiter = this.waiters.find((candidate) => candidate.accepts.includes(pool));
    if (waiter) this.remove(waiter);
    return waiter;
  }

  refuseAll(reason: unknown): void {
    for (const waiter of [...this.waiters]) waiter.refuse(reason);
  }
}

/** A slot taken: `release` gives it back, once however often it is called. */
export class Slot {
  private held = true;
  private abortSignal: AbortSignal | undefined;

  /** `pool` undefined: a call outside any limit (a region built without admission, in tests). */
  constructor(readonly pool: CallSlots | undefined) {}

  readonly release = (): void => {
    if (!this.held) return;
    this.held = false;
    this.abortSignal?.removeEventListener("abort", this.release);
    this.pool?.giveBack();
  };

  /**
   * Also given back when `signal` aborts: a stream that opened holds its slot until it ends (its observer, see
   * releasingOnEnd) or until the call is abandoned, perhaps before anyone read.
   */
  releaseOnAbort(signal: AbortSignal | undefined): void {
    if (!this.held || signal === undefined) return;
    if (signal.aborted) this.release();
    else {
      this.abortSignal = signal;
      signal.addEventListener("abort", this.release, { once: true });
    }
  }
}

/**
 * One limit of concurrent calls and its bounded queue (one per Bedrock region; the regions share one WaitLine).
 * A slot given back goes straight to the oldest waiter that may take it, so no newcomer slips in between.
 */
export class CallSlots {
  private running = 0;
  /** Waiters whose place counts against this pool's queue limit (WaitLine keeps it). */
  waiting = 0;

  constructor(
    readonly options: AdmissionOptions,
    readonly line: WaitLine = new WaitLine(),
  ) {}

  /** A slot if one is free now; never waits. */
  tryTake(): Slot | undefined {
    if (this.running >= this.options.limit) return undefined;
    this.running++;
    return new Slot(this);
  }

  hasRoomToWait(): boolean {
    return this.waiting < this.options.queueLimit;
  }

  load(): Load {
    return { running: this.running, waiting: this.waiting };
  }

  /** A slot given back (Slot.release): to the oldest waiter that may run here, else free. */
  giveBack(): void {
    const next = this.line.nextFor(this);
    if (next) next.admit(new Slot(this));
    else this.running--;
  }
}

/**
 * A slot from the first of `pools` (which share a WaitLine) with one free; else the call waits for the first
 * slot any of them gives back, at most `waitMs` (`timeoutMs` is the configured wait, for the message). Its place
 * counts in the queue of the pool with the fewest waiting that has room; refused at once (503/529 with
 * retry-after) when no queue has room, or when the wait runs out.
 */
export function takeSlot(
  pools: CallSlots[],
  signal: AbortSignal | undefined,
  waitMs: number,
  timeoutMs: number,
): Promise<Slot> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  for (const pool of pools) {
    const slot = pool.tryTake();
    if (slot) return Promise.resolve(slot);
  }
  let queue: CallSlots | undefined;
  for (const pool of pools)
    if (pool.hasRoomToWait() && (queue === undefined || pool.waiting < queue.waiting)) queue = pool;
  if (queue === undefined) {
    const queueLimit = pools[0]?.options.queueLimit ?? 0;
    return Promise.reject(
      overloaded(`${queueLimit} calls already waiting${pools.length > 1 ? " in every region" : ""}`),
    );
  }
  const { line } = queue;
  return new Promise<Slot>((resolve, reject) => {
    const stopWaiting = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const waiter: Waiter = {
      accepts: pools,
      countedIn: queue,
      // The line has taken the waiter out already.
      admit(slot) {
        stopWaiting();
        resolve(slot);
      },
      refuse(reason) {
        if (!line.remove(waiter)) return;
        stopWaiting();
        reject(reason);
      },
    };
    const onAbort = () => waiter.refuse(signal?.reason);
    const timer = setTimeout(() => waiter.refuse(overloaded(`no slot within ${timeoutMs / 1000} s`)), waitMs);
    line.add(waiter);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** An observer that gives the stream's slot back when the stream ends (read to the end, failed, left early). */
export function releasingOnEnd(slot: Slot, observer: StreamObserver | undefined): StreamObserver {
  return {
    event: observer ? (event) => observer.event(event) : () => {},
    end(error) {
      slot.release();
      observer?.end(error);
    },
  };
}
