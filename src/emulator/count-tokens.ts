import { converseInputTokens, countTokens, parseConverseRequest } from "./converse/request.js";
import { EmulatedError } from "./exceptions.js";
import type { Exchange } from "./exchange.js";
import { requireModel } from "./runtime-model.js";

/**
 * CountTokens: the same deterministic count Converse reports as inputTokens, so a gateway that
 * pre-counts and then calls Converse sees the two agree, as they do on Bedrock.
 * Input is {"input":{"converse":{messages, system, toolConfig}}} or {"input":{"invokeModel":{"body": base64}}}.
 */

function invalid(message: string): EmulatedError {
  return new EmulatedError("ValidationException", message, 400);
}

/** Text fields of a native model body (Anthropic messages, Titan, Llama/Mistral prompts). */
const TEXT_KEYS = new Set(["text", "content", "system", "prompt", "inputText", "texts"]);

function collectText(value: unknown, key: string | undefined, into: string[]): void {
  if (typeof value === "string") {
    if (key !== undefined && TEXT_KEYS.has(key)) into.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectText(item, key, into);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) collectText(v, k, into);
  }
}

function invokeModelTokens(base64Body: unknown): number {
  if (typeof base64Body !== "string")
    throw invalid("input.invokeModel.body must be a base64-encoded model request body.");
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(base64Body, "base64").toString("utf8"));
  } catch {
    throw invalid("The provided request body is not valid JSON.");
  }
  const texts: string[] = [];
  collectText(body, undefined, texts);
  return Math.max(1, countTokens(texts));
}

export async function countTokensOperation(exchange: Exchange): Promise<void> {
  requireModel(exchange);
  const input = (
    exchange.record.body as { input?: { converse?: unknown; invokeModel?: { body?: unknown } } } | undefined
  )?.input;
  let inputTokens: number;
  if (input?.converse !== undefined) inputTokens = converseInputTokens(parseConverseRequest(input.converse));
  else if (input?.invokeModel !== undefined) inputTokens = invokeModelTokens(input.invokeModel.body);
  else
    throw invalid(
      "1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null",
    );
  exchange.json(200, { inputTokens });
}
