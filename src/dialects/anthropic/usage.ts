import type { TokenUsage } from "@aws-sdk/client-bedrock-runtime";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** Bedrock and Anthropic both count cached prompt tokens beside, not inside, the input tokens. */
export function toAnthropicUsage(usage: TokenUsage | undefined): AnthropicUsage {
  return {
    input_tokens: usage?.inputTokens ?? 0,
    output_tokens: usage?.outputTokens ?? 0,
    cache_creation_input_tokens: usage?.cacheWriteInputTokens ?? 0,
    cache_read_input_tokens: usage?.cacheReadInputTokens ?? 0,
  };
}
