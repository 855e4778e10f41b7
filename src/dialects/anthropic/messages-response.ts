import { randomBytes } from "node:crypto";
import type { ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime";
import { matchedStopSequence, toStopReason } from "./stop-reason.js";
import { toAnthropicUsage } from "./usage.js";

export type AnthropicContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "tool_use"; id: string; name: string; input: unknown };

/** `msg_` and 24 random characters, the shape of Anthropic's message ids. */
export const messageId = () => `msg_${randomBytes(18).toString("base64url")}`;

/** Redacted reasoning is opaque bytes on Bedrock and an opaque string in Anthropic's API. */
export const redactedData = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** Converse answer → Anthropic `message`. `model` is the name the caller used. */
export function toAnthropicMessage(
  output: ConverseCommandOutput,
  id: string,
  model: string,
  stopSequences: readonly string[] | null | undefined,
) {
  const content: AnthropicContentBlock[] = [];
  for (const block of output.output?.message?.content ?? []) {
    if (block.text !== undefined) content.push({ type: "text", text: block.text });
    else if (block.toolUse) {
      content.push({
        type: "tool_use",
        id: block.toolUse.toolUseId ?? "",
        name: block.toolUse.name ?? "",
        input: block.toolUse.input ?? {},
      });
    } else if (block.reasoningContent?.reasoningText) {
      const { text, signature } = block.reasoningContent.reasoningText;
      content.push({ type: "thinking", thinking: text ?? "", signature: signature ?? "" });
    } else if (block.reasoningContent?.redactedContent) {
      content.push({ type: "redacted_thinking", data: redactedData(block.reasoningContent.redactedContent) });
    }
  }
  const stopReason = toStopReason(output.stopReason);
  return {
    id,
    type: "message" as const,
    role: "assistant" as const,
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: matchedStopSequence(stopReason, output.additionalModelResponseFields, stopSequences),
    usage: toAnthropicUsage(output.usage),
  };
}
