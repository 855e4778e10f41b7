import { GatewayError } from "../errors.js";
import type { BedrockRuntime } from "./transport.js";

export interface AdmissionOptions {
  /** Calls in flight at once (BEDROCK_MAX_CONCURRENT_CALLS). */
  limit: number;
  /** Calls that may wait for a slot (BEDROCK_QUEUE_LIMIT). */
  queueLimit: number;
  /** Longest wait for a slot (BEDROCK_QUEUE_TIMEOUT). */
  queueTimeoutMs: number;
}

export interface AdmittedRuntime extends BedrockRuntime {
  /** Calls in flight and calls waiting, for tests and health reporting. */
  load(): { running: number; waiting: number };
  /** Refuses every waiting call with `reason` (the shutdown drain's deadline). */
  refuseWaiting(reason: GatewayError): void;
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

interface Waiter {
  admit(): void;
  refuse(reason: unknown): void;
}

/**
 * Admission control in front of Bedrock: at most `limit` calls in flight (a stream holds its slot until it
 * ends), at most `queueLimit` waiting in arrival order for at most `queueTimeoutMs`; past either bound the
 * call is refused at once with 503 (Anthropic: 529 overloaded_error) and retry-after, never left waiting
 * without end behind calls that hang.
 */
export function admitCalls(runtime: BedrockRuntime, options: AdmissionOptions): AdmittedRuntime {
  let running = 0;
  const waiting: Waiter[] = [];

  function acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (running < options.limit) {
      running++;
      return Promise.resolve();
    }
    if (waiting.length >= options.queueLimit)
      return Promise.reject(overloaded(`${options.queueLimit} calls already waiting`));
    return new Promise<void>((resolve, reject) => {
      const leave = (reason: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const index = waiting.indexOf(waiter);
        if (index >= 0) waiting.splice(index, 1);
        reject(reason);
      };
      const onAbort = () => leave(signal?.reason);
      const waiter: Waiter = {
        admit() {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        refuse: leave,
      };
      const timer = setTimeout(
        () => leave(overloaded(`no slot within ${options.queueTimeoutMs / 1000} s`)),
        options.queueTimeoutMs,
      );
      waiting.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  // A finished call hands its slot straight to the first waiter, so no newcomer slips in between.
  function release(): void {
    const next = waiting.shift();
    if (next) next.admit();
    else running--;
  }

  async function call<T>(signal: AbortSignal | undefined, start: () => Promise<T>): Promise<T> {
    await acquire(signal);
    try {
      return await start();
    } finally {
      release();
    }
  }

  return {
    converse: (input, signal, exchange) => call(signal, () => runtime.converse(input, signal, exchange)),
    invokeModel: (request, signal, exchange) =>
      call(signal, () => runtime.invokeModel(request, signal, exchange)),
    countTokens: (input, signal, exchange) =>
      call(signal, () => runtime.countTokens(input, signal, exchange)),
    // The slot is held for the length of the stream: released when the transport reports its end (read to
    // the end, failed, left early) or when the call's signal aborts (abandoned, perhaps before anyone read).
    async converseStream(input, signal, exchange, observer) {
      await acquire(signal);
      let held = true;
      const releaseOnce = () => {
        if (!held) return;
        held = false;
        signal?.removeEventListener("abort", releaseOnce);
        release();
      };
      try {
        const stream = await runtime.converseStream(input, signal, exchange, {
          event: observer ? (event) => observer.event(event) : () => {},
          end(error) {
            releaseOnce();
            observer?.end(error);
          },
        });
        if (signal?.aborted) releaseOnce();
        else if (held) signal?.addEventListener("abort", releaseOnce, { once: true });
        return stream;
      } catch (error) {
        releaseOnce();
        throw error;
      }
    },
    load: () => ({ running, waiting: waiting.length }),
    refuseWaiting(reason) {
      for (const waiter of [...waiting]) waiter.refuse(reason);
    },
  };
}
