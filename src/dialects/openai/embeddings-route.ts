import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/index.js";
import type { Deps } from "../../deps.js";
import { EMBEDDING_FAMILIES, embeddingFamilyFor } from "../../embeddings/families.js";
import { prepareEmbeddingCalls } from "../../embeddings/prepare.js";
import { runEmbeddingCalls } from "../../embeddings/runner.js";
import { GatewayError } from "../../errors.js";
import { createLimiter } from "../../fetch/limiter.js";
import { abortOnDisconnect } from "../../http/disconnect.js";
import { parseBody } from "../../http/validate.js";
import { policyOf } from "../../limits/request-policy.js";
import { estimateInputTokens } from "../../limits/token-estimate.js";
import { readEmbeddingInput } from "./embeddings-input.js";
import { toEmbeddingsResponse } from "./embeddings-response.js";
import { embeddingsRequestSchema, extraFields } from "./embeddings-schema.js";

/** As OpenAI and the chat route answer a model they do not have: 404 `model_not_found`, naming `model`. */
function unsupportedModel(model: string): GatewayError {
  const families = EMBEDDING_FAMILIES.map((family) => family.name).join("; ");
  return new GatewayError(
    "not_found",
    `The model '${model.slice(0, 200)}' is not an embedding model this gateway can call. Supported: ${families}.`,
    { param: "model", code: "model_not_found" },
  );
}

/** POST /v1/embeddings: OpenAI embeddings on Bedrock InvokeModel, one model family at a time. */
export function embeddingsHandler(
  deps: Deps,
  config: Pick<
    Config,
    "EMBEDDINGS_MAX_CONCURRENCY" | "EMBEDDINGS_MAX_CONCURRENCY_TOTAL" | "EMBEDDINGS_MAX_INPUTS"
  >,
  resolveModel: (name: string) => string,
) {
  // One per gateway: every embeddings request's Bedrock calls take their turn here.
  const gatewaySlots = createLimiter(config.EMBEDDINGS_MAX_CONCURRENCY_TOTAL);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseBody(embeddingsRequestSchema, request.body);
    const input = await readEmbeddingInput(body.input, config.EMBEDDINGS_MAX_INPUTS);
    const modelId = resolveModel(body.model);
    const policy = policyOf(request);
    await policy.admitModel({
      requested: body.model,
      resolved: modelId,
      estimatedTokens: estimateInputTokens(body.input),
    });
    const family = embeddingFamilyFor(modelId);
    if (!family) throw unsupportedModel(body.model);
    const calls = prepareEmbeddingCalls(family, {
      ...input,
      dimensions: body.dimensions ?? undefined,
      extra: extraFields(body),
    });
    const embeddings = await runEmbeddingCalls(
      deps.bedrock,
      modelId,
      calls,
      config.EMBEDDINGS_MAX_CONCURRENCY,
      gatewaySlots,
      abortOnDisconnect(reply),
      request.exchange,
    );
    policy.settle({ inputTokens: embeddings.inputTokens });
    return toEmbeddingsResponse(embeddings, body.model, body.encoding_format ?? "float");
  };
}
