import { type ResolvedModel, resolveModel } from "./catalogue.js";
import { EmulatedError } from "./exceptions.js";
import type { Exchange } from "./exchange.js";

/** Bedrock's own wording, which gateways may match on. */
export const INVALID_MODEL_MESSAGE = "The provided model identifier is invalid.";

/** Resolves the `{modelId}` of a runtime call, or rejects the way Bedrock does. */
export function requireModel(exchange: Exchange): ResolvedModel {
  const resolved = resolveModel(exchange.record.modelId ?? "");
  if (!resolved) throw new EmulatedError("ValidationException", INVALID_MODEL_MESSAGE, 400);
  const profileOnly = !resolved.model.inferenceTypesSupported.includes("ON_DEMAND");
  if (exchange.state.requireProfiles && profileOnly && !resolved.profile) {
    throw new EmulatedError(
      "ValidationException",
      `Invocation of model ID ${resolved.model.modelId} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
      400,
    );
  }
  return resolved;
}

/** Converse only works with models that produce text. */
export function requireChatModel(exchange: Exchange): ResolvedModel {
  const resolved = requireModel(exchange);
  if (!resolved.model.outputModalities.includes("TEXT")) {
    throw new EmulatedError(
      "ValidationException",
      "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
      400,
    );
  }
  return resolved;
}
