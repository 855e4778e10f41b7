import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/index.js";
import type { Deps } from "../../deps.js";
import { allowOnly } from "../../http/methods.js";
import { createModelResolver } from "../../models/aliases.js";
import { responsesStoreFor } from "../../store/responses-configured.js";
import { chatCompletionsHandler } from "./chat-route.js";
import { embeddingsHandler } from "./embeddings-route.js";
import { modelsHandlers } from "./models-route.js";
import { responsesHandlers } from "./responses-route.js";

/** The OpenAI-compatible API, mounted under OPENAI_ROUTES_PREFIX. */
export async function openAiRoutes(app: FastifyInstance, options: { config: Config; deps: Deps }) {
  const { config, deps } = options;
  const resolveModel = createModelResolver(config.MODEL_ALIASES);
  const models = modelsHandlers(deps, config.MODEL_ALIASES, resolveModel);

  app.post("/v1/chat/completions", chatCompletionsHandler(deps, resolveModel));
  allowOnly(app, "/v1/chat/completions", ["POST"]);
  app.post("/v1/embeddings", embeddingsHandler(deps, config, resolveModel));
  allowOnly(app, "/v1/embeddings", ["POST"]);
  app.get("/v1/models", models.list);
  allowOnly(app, "/v1/models", ["GET"]);
  app.get("/v1/models/*", models.get);
  allowOnly(app, "/v1/models/*", ["GET"]);

  const store = await responsesStoreFor(config, app.log, deps.now);
  if (store) app.addHook("onClose", async () => store.close());
  const responses = responsesHandlers(deps, resolveModel, store);
  app.post("/v1/responses", responses.create);
  allowOnly(app, "/v1/responses", ["POST"]);
  app.post("/v1/responses/input_tokens", responses.inputTokens);
  allowOnly(app, "/v1/responses/input_tokens", ["POST"]);
  app.get("/v1/responses/:id", responses.retrieve);
  app.delete("/v1/responses/:id", responses.remove);
  allowOnly(app, "/v1/responses/:id", ["GET", "DELETE"]);
  app.get("/v1/responses/:id/input_items", responses.inputItems);
  allowOnly(app, "/v1/responses/:id/input_items", ["GET"]);
  app.post("/v1/responses/:id/cancel", responses.cancel);
  allowOnly(app, "/v1/responses/:id/cancel", ["POST"]);
}
