import type { CountTokensCommandInput } from "@aws-sdk/client-bedrock-runtime";
import type { FastifyReply, FastifyRequest } from "fastify";
import { mapBedrockError } from "../../bedrock/errors.js";
import type { Deps } from "../../deps.js";
import { abortOnDisconnect } from "../../http/disconnect.js";
import { parseBody } from "../../http/validate.js";
import { policyOf } from "../../limits/request-policy.js";
import { bedrockBetasOf } from "./betas.js";
import { type ConverseParts, toConverseParts } from "./messages-request.js";
import { countTokensRequestSchema } from "./messages-schema.js";
import { withoutProfilePrefix } from "./models.js";

/** Bedrock counts tokens per foundation model: inference profile ids are refused, so their prefix goes. */
export const toCountTokensInput = (parts: ConverseParts, modelId: string): CountTokensCommandInput => ({
  modelId: withoutProfilePrefix(modelId),
  input: { converse: parts },
});

/** POST /v1/messages/count_tokens → Bedrock CountTokens with the same Converse translation as messages. */
export function countTokensHandler(deps: Deps, resolveModel: (name: string) => Promise<string>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseBody(countTokensRequestSchema, request.body);
    const modelId = await resolveModel(body.model);
    // Counting calls no model: scope only, no tokens are charged.
    await policyOf(request).admitModel({ requested: body.model, resolved: modelId, estimatedTokens: 0 });
    const signal = abortOnDisconnect(reply);
    const parts = await toConverseParts(body, {
      modelId,
      media: deps.mediaLoader(signal, request.exchange),
      betas: bedrockBetasOf(request.headers["anthropic-beta"]),
    });
    const output = await deps.bedrock
      .countTokens(toCountTokensInput(parts, modelId), signal, request.exchange)
      .catch((error: unknown) => {
        throw mapBedrockError(error);
      });
    return { input_tokens: output.inputTokens ?? 0 };
  };
}
