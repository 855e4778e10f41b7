import type {
  ConverseCommandInput,
  ConverseCommandOutput,
  ConverseStreamCommandInput,
  ConverseStreamOutput,
  CountTokensCommandInput,
  CountTokensCommandOutput,
} from "@aws-sdk/client-bedrock-runtime";
import type { BedrockCall } from "./call.js";

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
 * The calls the dialects make to Bedrock Runtime. Routes and translators depend on this interface only,
 * so the transport behind it (stock SDK or a leaner one) can change without touching them.
 * Every method rejects with the SDK's service exceptions (or errors of the same name and shape).
 * `call` tells the guardrail decorator (guardrail.ts) about the request; transports ignore it.
 */
export interface BedrockRuntime {
  converse(
    input: ConverseCommandInput,
    signal?: AbortSignal,
    call?: BedrockCall,
  ): Promise<ConverseCommandOutput>;
  /** Resolves once Bedrock has accepted the call (errors before the first event reject here). */
  converseStream(
    input: ConverseStreamCommandInput,
    signal?: AbortSignal,
    call?: BedrockCall,
  ): Promise<AsyncIterable<ConverseStreamOutput>>;
  invokeModel(request: InvokeModelRequest, signal?: AbortSignal): Promise<InvokeModelResult>;
  countTokens(input: CountTokensCommandInput, signal?: AbortSignal): Promise<CountTokensCommandOutput>;
}
