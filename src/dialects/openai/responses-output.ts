import type { ContentBlock, StopReason, TokenUsage } from "@aws-sdk/client-bedrock-runtime";
import type { GatewayError } from "../../errors.js";
import { randomId } from "../../random-id.js";
import { toFinishReason } from "./finish-reason.js";
import { redactedPrefix } from "./responses-request.js";
import type { ResponsesRequest } from "./responses-schema.js";
import { toOpenAiUsage } from "./usage.js";

export type OutputItem = Record<string, unknown> & { type: string; id: string };
export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

export const responseId = () => `resp_${randomId(24)}`;
export const itemId = (prefix: "msg" | "fc" | "rs") => `${prefix}_${randomId(24)}`;

export const messageItem = (id: string, text: string, status: string): OutputItem => ({
  id,
  type: "message",
  status,
  content: [{ type: "output_text", annotations: [], logprobs: [], text }],
  role: "assistant",
});

export const functionCallItem = (
  id: string,
  callId: string,
  name: string,
  args: string,
  status: string,
): OutputItem => ({ id, type: "function_call", status, arguments: args, call_id: callId, name });

/** Bedrock's reasoning text is what the model shows of its thinking: OpenAI's reasoning summary. */
export const reasoningItem = (id: string, text: string, opaque: string | undefined): OutputItem => ({
  id,
  type: "reasoning",
  summary: text === "" ? [] : [{ type: "summary_text", text }],
  encrypted_content: opaque ?? null,
});

/** A Converse answer's content blocks → Responses output items, in order. */
export function outputItemsOf(blocks: readonly ContentBlock[], status: string): OutputItem[] {
  const items: OutputItem[] = [];
  for (const block of blocks) {
    if (block.text !== undefined) items.push(messageItem(itemId("msg"), block.text, status));
    else if (block.toolUse) {
      const { toolUseId, name, input } = block.toolUse;
      items.push(
        functionCallItem(itemId("fc"), toolUseId ?? "", name ?? "", JSON.stringify(input ?? {}), "completed"),
      );
    } else if (block.reasoningContent?.reasoningText) {
      const { text, signature } = block.reasoningContent.reasoningText;
      items.push(reasoningItem(itemId("rs"), text ?? "", signature));
    } else if (block.reasoningContent?.redactedContent) {
      const opaque = Buffer.from(block.reasoningContent.redactedContent).toString("base64");
      items.push(reasoningItem(itemId("rs"), "", redactedPrefix + opaque));
    }
  }
  return items;
}

/** Stop reason → the response's status: length and content filters leave it incomplete, with the reason. */
export function outcomeOf(stopReason: StopReason | string | undefined): {
  status: "completed" | "incomplete";
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
} {
  switch (toFinishReason(stopReason)) {
    case "length":
      return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
    case "content_filter":
      return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
    default:
      return { status: "completed", incomplete_details: null };
  }
}

/** Bedrock usage → Responses usage; cache reads are counted in input_tokens, as chat counts them. */
export function toResponsesUsage(usage: TokenUsage | undefined) {
  const chat = toOpenAiUsage(usage);
  return {
    input_tokens: chat.prompt_tokens,
    input_tokens_details: { cached_tokens: chat.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: chat.completion_tokens,
    // Bedrock does not report reasoning tokens apart from the rest of the output.
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: chat.total_tokens,
  };
}

/** OpenAI's `error.code` values for a failed response. */
export const failureCode = (error: GatewayError) =>
  error.kind === "rate_limit" ? "rate_limit_exceeded" : "server_error";

/**
 * Builds Response objects for one request: everything that echoes the request is computed once, and each
 * snapshot (created, in progress, final) only fills in its status, output and usage.
 */
export class ResponseShape {
  private readonly echo: ReturnType<typeof echoOf>;

  constructor(
    readonly id: string,
    readonly createdAt: number,
    request: ResponsesRequest,
    store: boolean,
  ) {
    this.echo = echoOf(request, store);
  }

  snapshot(
    status: ResponseStatus,
    output: readonly OutputItem[],
    details: {
      completedAt?: number;
      error?: { code: string; message: string } | null;
      incomplete_details?: { reason: string } | null;
      usage?: ReturnType<typeof toResponsesUsage> | null;
    } = {},
  ): Record<string, unknown> {
    // Written out field by field: spreading two objects of 25 fields cost about 40 µs per response (V8 builds
    // such a spread key by key), more than the rest of the non-streamed route's own work.
    const echo = this.echo;
    return {
      id: this.id,
      object: "response",
      created_at: this.createdAt,
      status,
      background: false,
      completed_at: details.completedAt ?? null,
      error: details.error ?? null,
      incomplete_details: details.incomplete_details ?? null,
      instructions: echo.instructions,
      max_output_tokens: echo.max_output_tokens,
      max_tool_calls: null,
      model: echo.model,
      parallel_tool_calls: echo.parallel_tool_calls,
      previous_response_id: echo.previous_response_id,
      prompt_cache_key: echo.prompt_cache_key,
      reasoning: echo.reasoning,
      safety_identifier: echo.safety_identifier,
      service_tier: "default",
      store: echo.store,
      temperature: echo.temperature,
      text: echo.text,
      tool_choice: echo.tool_choice,
      tools: echo.tools,
      top_logprobs: 0,
      top_p: echo.top_p,
      truncation: "disabled",
      user: echo.user,
      metadata: echo.metadata,
      output,
      usage: details.usage ?? null,
    };
  }
}

/** What a Response echoes of its request, computed once per request. */
function echoOf(request: ResponsesRequest, store: boolean) {
  return {
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: request.model,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    prompt_cache_key: request.prompt_cache_key ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    safety_identifier: request.safety_identifier ?? null,
    store,
    temperature: request.temperature ?? 1,
    text: {
      format: request.text?.format ?? { type: "text" },
      verbosity: request.text?.verbosity ?? "medium",
    },
    tool_choice: toolChoiceEcho(request.tool_choice),
    tools: (request.tools ?? []).map((tool) => ({
      type: "function",
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? true,
    })),
    top_p: request.top_p ?? 1,
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}

function toolChoiceEcho(choice: ResponsesRequest["tool_choice"]) {
  if (choice === undefined || choice === null) return "auto";
  return choice;
}
