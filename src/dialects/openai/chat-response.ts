import type { ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime";
import { toFinishReason } from "./finish-reason.js";
import { toOpenAiUsage } from "./usage.js";

export interface OpenAiToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** Converse answer → OpenAI `chat.completion`. */
export function toChatCompletion(output: ConverseCommandOutput, id: string, model: string, created: number) {
  let text = "";
  let reasoning = "";
  const toolCalls: OpenAiToolCall[] = [];
  for (const block of output.output?.message?.content ?? []) {
    if (block.text !== undefined) text += block.text;
    else if (block.reasoningContent?.reasoningText?.text !== undefined)
      reasoning += block.reasoningContent.reasoningText.text;
    else if (block.toolUse) {
      toolCalls.push({
        id: block.toolUse.toolUseId ?? "",
        type: "function",
        function: { name: block.toolUse.name ?? "", arguments: JSON.stringify(block.toolUse.input ?? {}) },
      });
    }
  }
  const message: Record<string, unknown> = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (reasoning !== "") message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id,
    object: "chat.completion" as const,
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toFinishReason(output.stopReason) }],
    usage: toOpenAiUsage(output.usage),
  };
}
