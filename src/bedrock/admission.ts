import { GatewayError } from "../errors.js";
import type { BedrockRuntime, StreamObserver } from "./transport.js";

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

export interface AdmittedRuntime extends BedrockRuntime {
  /** Calls in flight and calls waiting, for tests and health reporting. */
  load(): Load;
  /** Refuses every waiting call with `reason` (the shutdown drain's deadline). */
  refuseWaiting(reason: GatewayError): void;
}

/** Seconds a refused client is told to wait: long enough for a burst to pass, short enough to stay useful. */
const retryAfterSeconds = 2;

export const overloaded = (why: string) =>
  new GatewayError(
    "unavailable",
    `The gateway is at its limit of concurrent Bedrock calls (${why}); retry shortly.`,
    {
      code: "overloaded",
      retryAfter: retryAfterSeconds,
    },
  );

/** A call waiting for a slot; it may wait in several pools at once and takes the first slot offered. */
interface Waiter {
  /** False when the waiter has already left (admitted elsewhere, refused, gone). */
  admit(pool: CallSlots): boolean;
  refuse(reason: unknown): void;
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
 * One limit of concurrent calls with its bounded queue (one per Bedrock region). A slot given back goes
 * straight to the first waiter, so no newcomer slips in between.
 */
export class CallSlots {
  private running = 0;
  readonly waiting: Waiter[] = [];

  constructor(readonly options: AdmissionOptions) {}

  /** A slot if one is free now; never waits. */
  tryTake(): Slot | undefined {
    if (this.running >= this.options.limit) return undefined;
    this.running++;
    return new Slot(this);
  }

  hasRoomToWait(): boolean {
    return this.waiting.length < this.options.queueLimit;
  }

  load(): Load {
    return { running: this.running, waiting: this.waiting.length };
  }

  refuseWaiting(reason: unknown): void {
    for (const waiter of [...this.waiting]) waiter.refuse(reason);
  }

  leave(waiter: Waiter): void {
    const index = this.waiting.indexOf(waiter);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  /** A slot given back (Slot.release): to the first waiter still waiting, else free. */
  giveBack(): void {
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) if (next.admit(this)) return;
    this.running--;
  }
}

/**
 * A slot from the first of `pools` with one free; else waits, in the queue of every pool with room, for the
 * first slot given back in any of them, at most `waitMs` (`timeoutMs` is the configured wait, for the message).
 * Refused at once (503/529 with retry-after) when no queue has room, or when the wait runs out.
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
  const queues = pools.filter((pool) => pool.hasRoomToWait());
  if (queues.length === 0) {
    const queueLimit = pools[0]?.options.queueLimit ?? 0;
    return Promise.reject(
      overloaded(`${queueLimit} calls already waiting${pools.length > 1 ? " in every region" : ""}`),
    );
  }
  return new Promise<Slot>((resolve, reject) => {
    let waiting = true;
    const stopWaiting = () => {
      waiting = false;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      for (const pool of queues) pool.leave(waiter);
    };
    const waiter: Waiter = {
      admit(pool) {
        if (!waiting) return false;
        stopWaiting();
        resolve(new Slot(pool));
        return true;
      },
      refuse(reason) {
        if (!waiting) return;
        stopWaiting();
        reject(reason);
      },
    };
    const onAbort = () => waiter.refuse(signal?.reason);
    const timer = setTimeout(() => waiter.refuse(overloaded(`no slot within ${timeoutMs / 1000} s`)), waitMs);
    for (const pool of queues) pool.waiting.push(waiter);
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

/**
 * Admission control in front of Bedrock: at most `limit` calls in flight (a stream holds its slot until it
 * ends), at most `queueLimit` waiting in arrival order for at most `queueTimeoutMs`; past either bound the
 * call is refused at once with 503 (Anthropic: 529 overloaded_error) and retry-after, never left waiting
 * without end behind calls that hang. (Several regions: src/bedrock/regions/regional-runtime.ts takes slots
 * from each region's CallSlots itself.)
 */
export function admitCalls(runtime: BedrockRuntime, options: AdmissionOptions): AdmittedRuntime {
  const pool = new CallSlots(options);
  const take = (signal: AbortSignal | undefined) =>
    takeSlot([pool], signal, options.queueTimeoutMs, options.queueTimeoutMs);

  async function call<T>(signal: AbortSignal | undefined, start: () => Promise<T>): Promise<T> {
    const slot = await take(signal);
    try {
      return await start();
    } finally {
      slot.release();
    }
  }

  return {
    converse: (input, signal, exchange) => call(signal, () => runtime.converse(input, signal, exchange)),
    invokeModel: (request, signal, exchange) =>
      call(signal, () => runtime.invokeModel(request, signal, exchange)),
    countTokens: (input, signal, exchange) =>
      call(signal, () => runtime.countTokens(input, signal, exchange)),
    async converseStream(input, signal, exchange, observer) {
      const slot = await take(signal);
      try {
        const stream = await runtime.converseStream(input, signal, exchange, releasingOnEnd(slot, observer));
        slot.releaseOnAbort(signal);
        return stream;
      } catch (error) {
        slot.release();
        throw error;
      }
    },
    load: () => pool.load(),
    refuseWaiting: (reason) => pool.refuseWaiting(reason),
  };
}
