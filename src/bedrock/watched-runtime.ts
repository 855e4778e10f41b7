import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { GatewayError } from "../errors.js";
import { CallWatch } from "./call-watch.js";
import type { BedrockRuntime } from "./transport.js";
import { WatchedEvents } from "./watched-events.js";

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

  return {
    converse: (input, signal, exchange) => call(signal, (own) => runtime.converse(input, own, exchange)),
    invokeModel: (request, signal, exchange) =>
      call(signal, (own) => runtime.invokeModel(request, own, exchange)),
    countTokens: (input, signal, exchange) =>
      call(signal, (own) => runtime.countTokens(input, own, exchange)),
    // The observer is called from the watched stream's own iterator, which sees a cut as the failure it is;
    // the transport below gets none.
    async converseStream(input, signal, exchange, observer) {
      const { watch, finish } = begin(signal);
      let stream: AsyncIterable<ConverseStreamOutput>;
      try {
        stream = await watch.race(runtime.converseStream(input, watch.signal, exchange), silenceMs, silence);
      } catch (error) {
        finish();
        throw error;
      }
      return new WatchedEvents(stream, watch, silenceMs, silence, {
        event: observer ? (event) => observer.event(event) : () => {},
        end(error) {
          finish();
          observer?.end(error);
        },
      });
    },
    interrupt(reason) {
      const count = open.size;
      for (const watch of [...open]) watch.cut(reason);
      return count;
    },
  };
}
