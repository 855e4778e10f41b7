import { performance } from "node:perf_hooks";
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { mapBedrockError } from "../bedrock/errors.js";
import type { BedrockRuntime, StreamObserver } from "../bedrock/transport.js";
import type { Exchange } from "./exchange.js";
import type { BedrockCall, Telemetry } from "./telemetry.js";
import type { CallSpan, Tracing } from "./tracing.js";

function exceptionName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : "Error";
}

/**
 * The Bedrock runtime with every call recorded: on the request's Exchange (model sent, tokens, time to first
 * token, Bedrock time, the exception of a failure) for its access log line, in the telemetry sinks, and as a
 * client span when tracing is on. What the transports do is unchanged.
 */
export function observedRuntime(
  inner: BedrockRuntime,
  telemetry: Telemetry,
  tracing: Tracing | undefined,
  region: string,
): BedrockRuntime {
  const begin = (operation: BedrockCall["operation"], model: string | undefined, exchange?: Exchange) => {
    const started = performance.now();
    if (exchange) {
      exchange.modelSent = model;
      exchange.region ??= region;
      exchange.bedrockCalls += 1;
    }
    const span: CallSpan | undefined = tracing?.startBedrockCall(exchange, operation, model, region);
    return (error: unknown, aborted = false) => {
      const seconds = (performance.now() - started) / 1000;
      const failure = error === undefined ? undefined : exceptionName(error);
      if (exchange) {
        exchange.bedrockMs += seconds * 1000;
        if (failure !== undefined) {
          exchange.bedrockError = failure;
          exchange.errorCode ??= mapBedrockError(error).code ?? undefined;
        }
      }
      telemetry.bedrockCall({ operation, model, seconds, error: failure });
      span?.end(exchange, failure, aborted);
    };
  };

  return {
    async converse(input, signal, exchange) {
      const done = begin("Converse", input.modelId, exchange);
      try {
        const output = await inner.converse(input, signal, exchange);
        if (exchange) {
          exchange.addUsage(output.usage);
          exchange.finishReason = output.stopReason;
        }
        done(undefined);
        return output;
      } catch (error) {
        done(error);
        throw error;
      }
    },

    async converseStream(input, signal, exchange, observer) {
      const done = begin("ConverseStream", input.modelId, exchange);
      // Seen from inside the transport's iterator (StreamObserver): no promise of its own per event.
      const watching: StreamObserver = {
        event(event) {
          observer?.event(event);
          if (!exchange) return;
          if (exchange.ttftMs === undefined && event.contentBlockDelta)
            exchange.ttftMs = exchange.elapsedMs();
          else if (event.metadata) exchange.addUsage(event.metadata.usage);
          else if (event.messageStop) exchange.finishReason = event.messageStop.stopReason;
        },
        end(error) {
          observer?.end(error);
          telemetry.streamFinished();
          done(error, signal?.aborted === true);
        },
      };
      let events: AsyncIterable<ConverseStreamOutput>;
      try {
        events = await inner.converseStream(input, signal, exchange, watching);
      } catch (error) {
        done(error);
        throw error;
      }
      telemetry.streamStarted();
      if (exchange) exchange.stream = true;
      return events;
    },

    async invokeModel(request, signal, exchange) {
      const done = begin("InvokeModel", request.modelId, exchange);
      try {
        const result = await inner.invokeModel(request, signal, exchange);
        exchange?.addUsage({ inputTokens: result.inputTokenCount ?? 0, outputTokens: 0, totalTokens: 0 });
        done(undefined);
        return result;
      } catch (error) {
        done(error);
        throw error;
      }
    },

    async countTokens(input, signal, exchange) {
      const done = begin("CountTokens", input.modelId, exchange);
      try {
        const output = await inner.countTokens(input, signal, exchange);
        done(undefined);
        return output;
      } catch (error) {
        done(error);
        throw error;
      }
    },
  };
}
