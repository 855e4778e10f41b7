import type { StopReason } from "@aws-sdk/client-bedrock-runtime";
import type { DocumentType } from "@smithy/types";

export type AnthropicStopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "refusal"
  | "model_context_window_exceeded";

const stopReasonOf: Record<string, AnthropicStopReason> = {
  end_turn: "end_turn",
  stop_sequence: "stop_sequence",
  max_tokens: "max_tokens",
  tool_use: "tool_use",
  model_context_window_exceeded: "model_context_window_exceeded",
  // A guardrail or content filter stopped the answer: Anthropic's word for that is a refusal.
  guardrail_intervened: "refusal",
  content_filtered: "refusal",
};

export const toStopReason = (reason: StopReason | string | undefined): AnthropicStopReason =>
  stopReasonOf[reason ?? ""] ?? "end_turn";

/**
 * Which stop sequence ended the answer. Claude reports it in the response field the request asked for
 * (`/stop_sequence`); without that, a single requested sequence can only be that one.
 */
export function matchedStopSequence(
  reason: AnthropicStopReason,
  responseFields: DocumentType | undefined,
  requested: readonly string[] | null | undefined,
): string | null {
  if (reason !== "stop_sequence") return null;
  const reported = (responseFields as { stop_sequence?: unknown } | undefined)?.stop_sequence;
  if (typeof reported === "string") return reported;
  return requested?.length === 1 ? (requested[0] as string) : null;
}
