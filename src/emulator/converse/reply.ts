import { createHash } from "node:crypto";
import { DirectiveError, type Directives, parseDirectives } from "../directives.js";
import { EmulatedError } from "../exceptions.js";
import { structuredOutputText } from "../structured-output.js";
import {
  type ConverseRequest,
  converseInputTokens,
  countTokens,
  lastUserMessage,
  parseConverseRequest,
  textsOf,
  toolResultText,
} from "./request.js";

/**
 * The deterministic "model": what a Converse call answers, decided once and then rendered either as
 * one JSON document (Converse) or as a sequence of events (ConverseStream), so both always agree.
 */

export type ReplyBlock =
  | { kind: "reasoning"; text: string; signature: string }
  /** Reasoning the model's provider redacted: opaque bytes, base64 on the wire. */
  | { kind: "redacted"; data: string }
  /** `pieces`: the stream's text deltas, when they are not simply its words (see guardrail.ts). */
  | { kind: "text"; text: string; pieces?: string[] }
  | { kind: "toolUse"; toolUseId: string; name: string; input: unknown };

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface Reply {
  blocks: ReplyBlock[];
  stopReason: string;
  additionalModelResponseFields?: Record<string, unknown>;
  usage: Usage;
  /** Converse's `trace` / the stream's `metadata.trace` (a guardrail's, see guardrail.ts). */
  trace?: Record<string, unknown>;
}

export interface ConverseCall {
  request: ConverseRequest;
  directives: Directives;
  /** The last user message's text with directives removed, whitespace normalised. */
  text: string;
}

/** Validates the body and reads the directives; rejects with a ValidationException. */
export function readConverseCall(body: unknown): ConverseCall {
  const request = parseConverseRequest(body);
  try {
    const { directives, text } = parseDirectives(textsOf(lastUserMessage(request)));
    return { request, directives, text };
  } catch (error) {
    if (error instanceof DirectiveError) throw new EmulatedError("ValidationException", error.message, 400);
    throw error;
  }
}

function replyText({ request, text }: ConverseCall): string {
  // Structured output: Bedrock's answer validates against the schema (structured-output.ts).
  const structured = structuredOutputText(request);
  if (structured !== undefined) return structured;
  const results = (lastUserMessage(request)?.content ?? []).flatMap((b) =>
    b.toolResult ? [b.toolResult] : [],
  );
  if (request.toolConfig && results.length > 0) {
    // Lets a tool round trip be asserted end to end: the result comes back in the answer.
    return `Echo: tool result ${results.map(toolResultText).join(" ")}`;
  }
  return `Echo: ${text}`.trimEnd();
}

/** Tool use ids continue the conversation's numbering so they stay unique across turns. */
function priorToolUses(request: ConverseRequest): number {
  let n = 0;
  for (const m of request.messages) if (m.role === "assistant") for (const b of m.content) if (b.toolUse) n++;
  return n;
}

export function planReply(call: ConverseCall): Reply {
  const { request, directives } = call;
  const blocks: ReplyBlock[] = [];
  if (directives.reason) {
    const text = `Thinking about how to answer: ${call.text || "the request"}`;
    const signature = createHash("sha256").update(text).digest("base64");
    blocks.push({ kind: "reasoning", text, signature });
  }
  if (directives.redact) {
    const data = createHash("sha256").update(`redacted: ${call.text}`).digest("base64");
    blocks.push({ kind: "redacted", data });
  }
  // A tool-calling answer carries text only if the prompt had some besides the directives (like a
  // model that says "Let me check" before calling); a plain answer always has its echo.
  if (directives.tools.length === 0 || call.text.length > 0)
    blocks.push({ kind: "text", text: replyText(call) });
  const firstToolNumber = priorToolUses(request) + 1;
  directives.tools.forEach((tool, i) => {
    blocks.push({
      kind: "toolUse",
      toolUseId: `tooluse_${firstToolNumber + i}`,
      name: tool.name,
      input: tool.input,
    });
  });

  const stopReason = directives.stopReason ?? (directives.tools.length > 0 ? "tool_use" : "end_turn");
  const stopSequence = request.inferenceConfig?.stopSequences?.[0];
  const additionalModelResponseFields =
    stopReason === "stop_sequence" && stopSequence !== undefined
      ? { stop_sequence: stopSequence }
      : undefined;

  const inputTokens = converseInputTokens(request);
  const outputTokens = countTokens(
    blocks.map((b) => (b.kind === "toolUse" ? JSON.stringify(b.input) : b.kind === "redacted" ? "" : b.text)),
  );
  const cache = directives.cache ? { cacheReadInputTokens: 10, cacheWriteInputTokens: 5 } : undefined;
  const usage: Usage = {
    inputTokens,
    outputTokens,
    // Bedrock's total counts cached prompt tokens too.
    totalTokens:
      inputTokens + outputTokens + (cache ? cache.cacheReadInputTokens + cache.cacheWriteInputTokens : 0),
    ...cache,
  };
  return {
    blocks,
    stopReason,
    ...(additionalModelResponseFields ? { additionalModelResponseFields } : {}),
    usage,
  };
}
