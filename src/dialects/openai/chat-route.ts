import type { FastifyReply, FastifyRequest } from "fastify";
import { mapBedrockError } from "../../bedrock/errors.js";
import type { Deps } from "../../deps.js";
import { toGatewayError } from "../../errors.js";
import { abortOnDisconnect } from "../../http/disconnect.js";
import { writeSse } from "../../http/sse.js";
import { parseBody } from "../../http/validate.js";
import { policyOf } from "../../limits/request-policy.js";
import { estimateInputTokens } from "../../limits/token-estimate.js";
import { randomId } from "../../random-id.js";
import { toConverseInput } from "./chat-request.js";
import { toChatCompletion } from "./chat-response.js";
import { chatRequestSchema } from "./chat-schema.js";
import { ChatStreamTranslator } from "./chat-stream.js";
import { openAiErrorBody } from "./errors.js";

const completionId = () => `chatcmpl-${randomId(12)}`;

export function chatCompletionsHandler(deps: Deps, resolveModel: (name: string) => string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseBody(chatRequestSchema, request.body);
    const modelId = resolveModel(body.model);
    const policy = policyOf(request);
    await policy.admitModel({
      requested: body.model,
      resolved: modelId,
      estimatedTokens: estimateInputTokens([body.messages, body.tools]),
    });
    const signal = abortOnDisconnect(reply);
    const input = await toConverseInput(body, modelId, deps.mediaLoader(signal, request.exchange));
    const id = completionId();
    const created = Math.floor(deps.now() / 1000);

    if (!body.stream) {
      const output = await deps.bedrock.converse(input, signal, request.exchange).catch((error: unknown) => {
        throw mapBedrockError(error);
      });
      policy.settle(output.usage);
      return toChatCompletion(output, id, body.model, created);
    }

    const events = await deps.bedrock
      .converseStream(input, signal, request.exchange)
      .catch((error: unknown) => {
        throw mapBedrockError(error);
      });
    const translator = new ChatStreamTranslator(
      id,
      body.model,
      created,
      body.stream_options?.include_usage === true,
    );
    await writeSse(
      reply,
      events,
      {
        frame(event) {
          if (event.metadata?.usage) policy.settle(event.metadata.usage);
          return translator.frame(event);
        },
        finish: () => "data: [DONE]\n\n",
        failed(error) {
          const gatewayError = mapBedrockError(error);
          request.log.warn({ err: toGatewayError(gatewayError) }, "stream failed after it started");
          return `data: ${JSON.stringify(openAiErrorBody(gatewayError))}\n\n`;
        },
        last: (event) => event.metadata !== undefined,
      },
      signal,
    );
  };
}
