import type {
  ConverseCommandInput,
  ConverseCommandOutput,
  ConverseStreamCommandInput,
  ConverseStreamOutput,
  CountTokensCommandInput,
  CountTokensCommandOutput,
} from "@aws-sdk/client-bedrock-runtime";
import type { Exchange } from "../observability/exchange.js";

export interface InvokeModelRequest {
  modelId: string;
  body: Uint8Array | string;
  contentType?: string;
  accept?: string;
}

export interface InvokeModelResult {
  body: Uint8Array;
  contentType: string | undefined;
  /** Bedrock's `x-amzn-bedrock-input-token-count` header: the only token count some models report. */
  inputTokenCount?: number;
}

/**
 * Watches a ConverseStream from inside the transport's own iterator, synchronously: a wrapping iterator
 * would cost a promise per event, nearly all of a stream's work in the gateway.
 */
export interface StreamObserver {
  /** An event, just before the consumer gets it. */
  event(event: ConverseStreamOutput): void;
  /**
   * Exactly once: after the last event (undefined), on a failure (the error), or when the consumer stops
   * reading early (undefined).
   */
  end(error: unknown): void;
}

/**
 * The events of a stream seen by an observer, for a transport whose iterator cannot call one itself (the stock
 * SDK's), at the cost of one promise per event.
 */
export function observeEvents(
  events: AsyncIterable<ConverseStreamOutput>,
  observer: StreamObserver,
): AsyncIterable<ConverseStreamOutput> {
  return {
    [Symbol.asyncIterator]() {
      const inner = events[Symbol.asyncIterator]();
      let ended = false;
      const finish = (error: unknown) => {
        if (ended) return;
        ended = true;
        observer.end(error);
      };
      return {
        next: () =>
          inner.next().then(
            (result) => {
              if (result.done) finish(undefined);
              else observer.event(result.value);
              return result;
            },
            (error: unknown) => {
              finish(error);
              throw error;
            },
          ),
        return: (value?: unknown) => {
          finish(undefined);
          return inner.return ? inner.return(value) : Promise.resolve({ done: true as const, value });
        },
      };
    },
  };
}

/**
 * The calls the dialects make to Bedrock Runtime. Routes and translators depend on this interface only,
 * so the transport behind it (stock SDK or a leaner one) can change without touching them.
 * Every method rejects with the SDK's service exceptions (or errors of the same name and shape).
 * `exchange` is the record of the request the call is made for (the access log, metrics and traces read it);
 * the transports themselves ignore it.
 */
export interface BedrockRuntime {
  converse(
    input: ConverseCommandInput,
    signal?: AbortSignal,
    exchange?: Exchange,
  ): Promise<ConverseCommandOutput>;
  /**
   * Resolves once Bedrock has accepted the call (errors before the first event reject here). The `observer`,
   * if given, sees every event as the consumer takes it and the stream's end.
   */
  converseStream(
    input: ConverseStreamCommandInput,
    signal?: AbortSignal,
    exchange?: Exchange,
    observer?: StreamObserver,
  ): Promise<AsyncIterable<ConverseStreamOutput>>;
  invokeModel(
    request: InvokeModelRequest,
    signal?: AbortSignal,
    exchange?: Exchange,
  ): Promise<InvokeModelResult>;
  countTokens(
    input: CountTokensCommandInput,
    signal?: AbortSignal,
    exchange?: Exchange,
  ): Promise<CountTokensCommandOutput>;
}
