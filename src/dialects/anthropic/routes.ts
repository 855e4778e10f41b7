import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/index.js";
import type { Deps } from "../../deps.js";
import { allowOnly } from "../../http/methods.js";
import { countTokensHandler } from "./count-tokens.js";
import { messagesHandler } from "./messages-route.js";
import { createClaudeModelResolver } from "./models.js";
import { modelsHandlers } from "./models-route.js";

/** The Anthropic Messages API, mounted under ANTHROPIC_ROUTES_PREFIX. */
export async function anthropicRoutes(app: FastifyInstance, options: { config: Config; deps: Deps }) {
  const { config, deps } = options;
  const resolveModel = createClaudeModelResolver(config.MODEL_ALIASES, config.region);
  const models = modelsHandlers(deps, config.MODEL_ALIASES, resolveModel);

  app.post("/v1/messages", messagesHandler(deps, resolveModel));
  allowOnly(app, "/v1/messages", ["POST"]);
  app.post("/v1/messages/count_tokens", countTokensHandler(deps, resolveModel));
  allowOnly(app, "/v1/messages/count_tokens", ["POST"]);
  app.get("/v1/models", models.list);
  allowOnly(app, "/v1/models", ["GET"]);
  app.get("/v1/models/*", models.get);
  allowOnly(app, "/v1/models/*", ["GET"]);
}
