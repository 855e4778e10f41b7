import type { FastifyReply, FastifyRequest } from "fastify";
import { mapBedrockError } from "../../bedrock/errors.js";
import type { Deps } from "../../deps.js";
import { GatewayError, toGatewayError } from "../../errors.js";
import { abortOnDisconnect } from "../../http/disconnect.js";
import { writeSse } from "../../http/sse.js";
import { parseBody } from "../../http/validate.js";
import { policyOf } from "../../limits/request-policy.js";
import { estimateInputTokens } from "../../limits/token-estimate.js";
import { bedrockBetasOf } from "./betas.js";
import { anthropicErrorBody } from "./errors.js";
import { toConverseInput } from "./messages-request.js";
import { messageId, toAnthropicMessage } from "./messages-response.js";
import { messagesRequestSchema } from "./messages-schema.js";
import { framesOf, MessagesStreamTranslator, sseFrame } from "./messages-stream.js";

export function messagesHandler(deps: Deps, resolveModel: (name: string) => Promise<string>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseBody(messagesRequestSchema, request.body);
    const modelId = await resolveModel(body.model);
    const policy = policyOf(request);
    await policy.admitModel({
      requested: body.model,
      resolved: modelId,
      estimatedTokens: estimateInputTokens([body.system, body.messages, body.tools]),
    });
    // Url sources download before Bedrock is called; a client that leaves stops those downloads too.
    const signal = abortOnDisconnect(reply);
    const input = await toConverseInput(body, {
      modelId,
      media: deps.mediaLoader(signal, request.exchange),
      betas: bedrockBetasOf(request.headers["anthropic-beta"]),
    });
    const id = messageId();

    if (!body.stream) {
      const output = await deps.bedrock.converse(input, signal, request.exchange).catch((error: unknown) => {
        throw mapBedrockError(error);
      });
      policy.settle(output.usage);
      return toAnthropicMessage(output, id, body.model, body.stop_sequences);
    }

    const events = await deps.bedrock
      .converseStream(input, signal, request.exchange)
      .catch((error: unknown) => {
        throw mapBedrockError(error);
      });
    const translator = new MessagesStreamTranslator(id, body.model, body.stop_sequences);
    await writeSse(
      reply,
      events,
      {
        frame(event) {
          if (event.metadata?.usage) policy.settle(event.metadata.usage);
          return translator.frames(event);
        },
        finish() {
          const closing = translator.finish();
          if (!closing) {
            throw new GatewayError("upstream", "The Bedrock stream ended before the message was complete.");
          }
          return framesOf(closing);
        },
        failed(error) {
          const gatewayError = mapBedrockError(error);
          request.log.warn({ err: toGatewayError(gatewayError) }, "stream failed after it started");
          return sseFrame(anthropicErrorBody(gatewayError));
        },
        last: (event) => event.metadata !== undefined,
      },
      signal,
    );
  };
}
