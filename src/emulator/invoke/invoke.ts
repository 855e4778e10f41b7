import { DirectiveError, parseDirectives } from "../directives.js";
import { EmulatedError } from "../exceptions.js";
import type { Exchange } from "../exchange.js";
import { honourRequestDirectives } from "../faults.js";
import { requireModel } from "../runtime-model.js";
import { findInvokeFamily } from "./families.js";

/** InvokeModel: dispatch to the model's family; the body is the family's native JSON, returned as is. */
export async function invokeModel(exchange: Exchange): Promise<void> {
  const { model } = requireModel(exchange);
  const family = findInvokeFamily(model.modelId);
  if (!family) {
    throw new EmulatedError(
      "ValidationException",
      `The emulator does not implement InvokeModel for ${model.modelId}; use Converse, or add a family in src/emulator/invoke/.`,
      400,
    );
  }
  const body = exchange.record.body;
  const promptText = family.promptText(body);
  let prompt = promptText ?? "";
  if (promptText !== undefined) {
    try {
      const parsed = parseDirectives([promptText]);
      prompt = parsed.text;
      if (!(await honourRequestDirectives(exchange, parsed.directives))) return;
    } catch (error) {
      if (error instanceof DirectiveError) throw new EmulatedError("ValidationException", error.message, 400);
      throw error;
    }
  }
  const output = family.invoke({ body, rawBody: exchange.record.rawBody, modelId: model.modelId, prompt });
  exchange.raw(200, JSON.stringify(output.body), {
    "content-type": "application/json",
    // Bedrock reports usage of InvokeModel calls in these headers.
    "x-amzn-bedrock-input-token-count": String(output.inputTokens),
    "x-amzn-bedrock-output-token-count": String(output.outputTokens),
    "x-amzn-bedrock-invocation-latency": String(Date.now() - exchange.startedAt),
  });
}
