import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/index.js";
import type { Deps } from "../../deps.js";
import { allowOnly } from "../../http/methods.js";
import { createModelResolver } from "../../models/aliases.js";
import { chatCompletionsHandler } from "./chat-route.js";
import { embeddingsHandler } from "./embeddings-route.js";
import { modelsHandlers } from "./models-route.js";

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
}
