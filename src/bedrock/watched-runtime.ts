import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { GatewayError } from "../errors.js";
import { CallWatch } from "./call-watch.js";
import { onStreamEnd } from "./stream-end.js";
import type { BedrockRuntime } from "./transport.js";

export interface WatchedRuntime extends BedrockRuntime {
  /** Ends every call in flight with `reason` (streams get it as their next event's error). Returns how many. */
  interrupt(reason: GatewayError): number;
}

/**
 * Every Bedrock call bounded in time, the same way on both transports: Bedrock may stay silent at most
 * `silenceMs` (AI_RESPONSE_TIMEOUT) before its answer and between two stream events; past it the upstream
 * request is aborted and the call fails with a 504 timeout (mid-stream: the route's error event). The time a
 * slow client takes to read is not Bedrock's silence: the clock runs only while the gateway waits for Bedrock.
 * Calls in flight can also be ended from outside (`interrupt`), which the shutdown drain uses at its deadline.
 */
export function watchCalls(runtime: BedrockRuntime, silenceMs: number): WatchedRuntime {
  const open = new Set<CallWatch>();
  const silence = () =>
    new GatewayError(
      "timeout",
      `Bedrock sent nothing for ${silenceMs / 1000} s (AI_RESPONSE_TIMEOUT); the call was aborted.`,
      { code: "upstream_timeout" },
    );

  function begin(caller: AbortSignal | undefined): { watch: CallWatch; finish: () => void } {
    const watch = new CallWatch(caller);
    open.add(watch);
    return {
      watch,
      finish: () => {
        open.delete(watch);
        watch.end();
      },
    };
  }

  async function call<T>(caller: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>) {
    const { watch, finish } = begin(caller);
    try {
      return await watch.race(start(watch.signal), silenceMs, silence);
    } finally {
      finish();
    }
  }

  async function* events(
    stream: AsyncIterable<ConverseStreamOutput>,
    watch: CallWatch,
  ): AsyncGenerator<ConverseStreamOutput> {
    const iterator = stream[Symbol.asyncIterator]();
    let waiting = false;
    try {
      for (;;) {
        waiting = true;
        const step = await watch.race(iterator.next(), silenceMs, silence);
        waiting = false;
        if (step.done) return;
        yield step.value;
      }
    } finally {
      // A step still pending belongs to a call already aborted; asking the stream to return would wait for it.
      if (waiting) iterator.return?.().catch(() => {});
      else await iterator.return?.();
    }
  }

  return {
    converse: (input, signal, exchange) => call(signal, (own) => runtime.converse(input, own, exchange)),
    invokeModel: (request, signal, exchange) =>
      call(signal, (own) => runtime.invokeModel(request, own, exchange)),
    countTokens: (input, signal, exchange) =>
      call(signal, (own) => runtime.countTokens(input, own, exchange)),
    async converseStream(input, signal, exchange) {
      const { watch, finish } = begin(signal);
      let stream: AsyncIterable<ConverseStreamOutput>;
      try {
        stream = await watch.race(runtime.converseStream(input, watch.signal, exchange), silenceMs, silence);
      } catch (error) {
        finish();
        throw error;
      }
      return onStreamEnd(events(stream, watch), watch.signal, finish);
    },
    interrupt(reason) {
      const count = open.size;
      for (const watch of [...open]) watch.cut(reason);
      return count;
    },
  };
}
