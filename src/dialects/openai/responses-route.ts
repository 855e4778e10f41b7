import type { FastifyReply, FastifyRequest } from "fastify";
import * as z from "zod";
import { mapBedrockError } from "../../bedrock/errors.js";
import type { Deps } from "../../deps.js";
import { invalidRequest, toGatewayError } from "../../errors.js";
import { abortOnDisconnect } from "../../http/disconnect.js";
import { writeSse } from "../../http/sse.js";
import { parseBody } from "../../http/validate.js";
import { policyOf } from "../../limits/request-policy.js";
import { estimateInputTokens } from "../../limits/token-estimate.js";
import type { ResponsesStore, StoredResponse } from "../../store/responses-store.js";
import { withoutProfilePrefix } from "../anthropic/models.js";
import {
  callerOf,
  itemIdsOf,
  loadOwned,
  replayedHistory,
  resolveReferences,
  storedInputItems,
} from "./responses-history.js";
import { outcomeOf, outputItemsOf, ResponseShape, responseId, toResponsesUsage } from "./responses-output.js";
import { placedInput, toResponsesConverseInput } from "./responses-request.js";
import { inputTokensRequestSchema, responsesRequestSchema } from "./responses-schema.js";
import { ResponsesStreamTranslator } from "./responses-stream.js";

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const listQuery = z.object({
  after: z.string().optional(),
  before: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(["asc", "desc"]).default("desc"),
  include: z.union([z.string(), z.array(z.string())]).optional(),
});

const retrieveQuery = z.looseObject({
  stream: z
    .enum(["true", "false"])
    .optional()
    .refine((value) => value !== "true", { message: "streaming a stored response again is not supported" }),
});

/** OpenAI's cursor pagination over a stored response's input items. */
function inputItemsPage(items: Record<string, unknown>[], query: z.infer<typeof listQuery>) {
  const ordered = query.order === "asc" ? items : [...items].reverse();
  const positionOf = (id: string, param: string) => {
    const position = ordered.findIndex((item) => item.id === id);
    if (position < 0) throw invalidRequest(`${param} does not name an item of this response.`, param);
    return position;
  };
  let start = 0;
  let end = Math.min(ordered.length, query.limit);
  if (query.after) {
    start = positionOf(query.after, "after") + 1;
    end = Math.min(ordered.length, start + query.limit);
  } else if (query.before) {
    end = positionOf(query.before, "before");
    start = Math.max(0, end - query.limit);
  }
  const data = ordered.slice(start, end);
  return {
    object: "list",
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data.at(-1)?.id as string | undefined) ?? null,
    has_more: query.before ? start > 0 : end < ordered.length,
  };
}

/** POST/GET/DELETE /v1/responses…: the Responses API on the Converse hub, with an optional store. */
export function responsesHandlers(
  deps: Deps,
  resolveModel: (name: string) => string,
  store: ResponsesStore | undefined,
) {
  async function create(request: FastifyRequest, reply: FastifyReply) {
    const body = parseBody(responsesRequestSchema, request.body);
    if (store === undefined && body.store === true) {
      throw invalidRequest(
        "This gateway stores no responses (RESPONSES_STORE=none); send store: false or leave it out.",
        "store",
      );
    }
    const stored = store !== undefined && body.store !== false;
    const owner = callerOf(request, deps);
    // Before any token is spent: a store that is down is a 503 now, not a lost response later.
    if (stored || body.previous_response_id) await store?.ensureAvailable();
    const history = body.previous_response_id
      ? await replayedHistory(store, body.previous_response_id, owner)
      : [];
    const own = await resolveReferences(placedInput(body.input), store, owner);
    const modelId = resolveModel(body.model);
    const policy = policyOf(request);
    await policy.admitModel({
      requested: body.model,
      resolved: modelId,
      estimatedTokens: estimateInputTokens([body.instructions, history, own, body.tools]),
    });
    const signal = abortOnDisconnect(reply);
    const input = await toResponsesConverseInput(
      body,
      [...history, ...own],
      modelId,
      deps.mediaLoader(signal, request.exchange),
    );
    const shape = new ResponseShape(responseId(), Math.floor(deps.now() / 1000), body, stored);
    const keep = async (response: Record<string, unknown>) => {
      if (!stored || !store) return;
      const record: StoredResponse = { owner, response, input: storedInputItems(own) };
      await store.put(shape.id, record, itemIdsOf(record));
    };

    if (!body.stream) {
      const output = await deps.bedrock.converse(input, signal, request.exchange).catch((error: unknown) => {
        throw mapBedrockError(error);
      });
      policy.settle(output.usage);
      const outcome = outcomeOf(output.stopReason);
      const response = shape.snapshot(
        outcome.status,
        outputItemsOf(output.output?.message?.content ?? [], outcome.status),
        {
          completedAt: Math.floor(deps.now() / 1000),
          incomplete_details: outcome.incomplete_details,
          usage: toResponsesUsage(output.usage),
        },
      );
      await keep(response);
      return response;
    }

    const events = await deps.bedrock
      .converseStream(input, signal, request.exchange)
      .catch((error: unknown) => {
        throw mapBedrockError(error);
      });
    const translator = new ResponsesStreamTranslator(shape, deps.now);
    // The stream has already been answered with 200: a store failure now can only be logged.
    const keepQuietly = (response: Record<string, unknown>) =>
      keep(response).catch((error: unknown) =>
        request.log.warn({ err: toGatewayError(error) }, "streamed response was not stored"),
      );
    await writeSse(
      reply,
      events,
      {
        start: () => translator.start(),
        frame(event) {
          if (event.metadata?.usage) policy.settle(event.metadata.usage);
          return translator.frames(event);
        },
        async finish() {
          const finished = translator.finish();
          // Stored before the client hears it is complete, so it can be continued at once.
          await keepQuietly(finished.response);
          return finished.frames;
        },
        async failed(error) {
          const gatewayError = mapBedrockError(error);
          request.log.warn({ err: toGatewayError(gatewayError) }, "stream failed after it started");
          const failed = translator.fail(gatewayError);
          await keepQuietly(failed.response);
          return failed.frames;
        },
        last: (event) => event.metadata !== undefined,
      },
      signal,
    );
  }

  async function retrieve(request: IdRequest) {
    parseBody(retrieveQuery, request.query);
    await store?.ensureAvailable();
    return (await loadOwned(store, request.params.id, callerOf(request, deps))).response;
  }

  async function remove(request: IdRequest) {
    await store?.ensureAvailable();
    const { id } = request.params;
    await loadOwned(store, id, callerOf(request, deps));
    await store?.delete(id);
    return { id, object: "response", deleted: true };
  }

  async function inputItems(request: IdRequest) {
    const query = parseBody(listQuery, request.query);
    await store?.ensureAvailable();
    const record = await loadOwned(store, request.params.id, callerOf(request, deps));
    return inputItemsPage(record.input, query);
  }

  async function cancel(request: IdRequest) {
    await store?.ensureAvailable();
    await loadOwned(store, request.params.id, callerOf(request, deps));
    throw invalidRequest(
      "Only background responses can be cancelled, and this gateway does not run responses in the background.",
      null,
    );
  }

  /** Bedrock CountTokens on the same translation as a response; models without it get Bedrock's 400. */
  async function inputTokens(request: FastifyRequest, reply: FastifyReply) {
    const body = parseBody(inputTokensRequestSchema, request.body);
    const owner = callerOf(request, deps);
    if (body.previous_response_id) await store?.ensureAvailable();
    const history = body.previous_response_id
      ? await replayedHistory(store, body.previous_response_id, owner)
      : [];
    const own = await resolveReferences(placedInput(body.input), store, owner);
    const signal = abortOnDisconnect(reply);
    const modelId = resolveModel(body.model);
    // Counting calls no model: scope only, no tokens are charged.
    await policyOf(request).admitModel({ requested: body.model, resolved: modelId, estimatedTokens: 0 });
    const input = await toResponsesConverseInput(
      body,
      [...history, ...own],
      modelId,
      deps.mediaLoader(signal, request.exchange),
    );
    const { messages, system, toolConfig } = input;
    const counted = await deps.bedrock
      .countTokens(
        {
          modelId: withoutProfilePrefix(modelId),
          input: {
            converse: {
              ...(messages ? { messages } : {}),
              ...(system ? { system } : {}),
              ...(toolConfig ? { toolConfig } : {}),
            },
          },
        },
        signal,
      )
      .catch((error: unknown) => {
        throw mapBedrockError(error);
      });
    return { object: "response.input_tokens", input_tokens: counted.inputTokens ?? 0 };
  }

  return { create, retrieve, remove, inputItems, cancel, inputTokens };
}
