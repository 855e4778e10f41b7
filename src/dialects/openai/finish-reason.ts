import type { StopReason } from "@aws-sdk/client-bedrock-runtime";

export type OpenAiFinishReason = "stop" | "length" | "tool_calls" | "content_filter";

const finishReasonOf: Record<string, OpenAiFinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
};

export const toFinishReason = (reason: StopReason | string | undefined): OpenAiFinishReason =>
  finishReasonOf[reason ?? ""] ?? "stop";
