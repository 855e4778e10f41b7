import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import { registerAuthentication } from "./auth/hook.js";
import type { Config } from "./config/index.js";
import type { Deps } from "./deps.js";
import { anthropicRoutes } from "./dialects/anthropic/routes.js";
import { anthropicDialect, dialectTable, openAiDialect } from "./dialects/dialect.js";
import { openAiRoutes } from "./dialects/openai/routes.js";
import { GatewayError, toGatewayError } from "./errors.js";
import { drainOnClose } from "./http/drain.js";
import { loggedUrl, loggerOptions } from "./logging.js";

export interface BuildOptions {
  /** Extra pino options, e.g. a destination stream for tests that read the logs. */
  logger?: FastifyServerOptions["logger"];
}

/**
 * The gateway as a Fastify instance, not yet listening. Hooks run in this order:
 * request id → (trusted host → CORS → authentication, added by their modules) → route.
 */
export async function buildApp(
  config: Config,
  deps: Deps,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.LOG_LEVEL),
    bodyLimit: config.MAX_REQUEST_BODY_SIZE,
    // Client-chosen ids would let anyone forge log correlation; we mint our own.
    genReqId: () => randomUUID(),
    // One line per request, written in onResponse below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });

  const dialects = dialectTable([
    { prefix: config.OPENAI_ROUTES_PREFIX, dialect: openAiDialect },
    { prefix: config.ANTHROPIC_ROUTES_PREFIX, dialect: anthropicDialect },
  ]);

  drainOnClose(app);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  registerAuthentication(app, config, deps);

  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: loggedUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request",
    );
  });

  app.setErrorHandler(async (error, request, reply) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError.status >= 500) request.log.error({ err: error }, "request failed");
    else
      request.log.info(
        { status: gatewayError.status, reason: gatewayError.message, detail: gatewayError.detail },
        "request refused",
      );
    for (const [name, value] of Object.entries(gatewayError.headers)) reply.header(name, value);
    if (gatewayError.retryAfter !== undefined) reply.header("retry-after", String(gatewayError.retryAfter));
    const dialect = dialects.forUrl(request.url);
    return reply
      .status(dialect.statusOf?.(gatewayError) ?? gatewayError.status)
      .send(dialect.errorBody(gatewayError));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const error = new GatewayError(
      "not_found",
      `No route for ${request.method} ${request.url.split("?")[0]}.`,
      {
        code: "unknown_route",
      },
    );
    return reply.status(404).send(dialects.forUrl(request.url).errorBody(error));
  });

  // Only JSON bodies: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser("text/plain");

  app.get("/health", async () => ({ status: "ok" }));

  await app.register(openAiRoutes, { prefix: config.OPENAI_ROUTES_PREFIX, config, deps });
  await app.register(anthropicRoutes, { prefix: config.ANTHROPIC_ROUTES_PREFIX, config, deps });

  app.addHook("onClose", async () => deps.close());
  return app;
}
