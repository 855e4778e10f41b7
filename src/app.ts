import { randomUUID } from "node:crypto";
import type { Server as TlsServer } from "node:tls";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import { registerAuthentication } from "./auth/hook.js";
import type { Config } from "./config/index.js";
import type { Deps } from "./deps.js";
import { anthropicRoutes } from "./dialects/anthropic/routes.js";
import { anthropicDialect, dialectTable, openAiDialect } from "./dialects/dialect.js";
import { openAiRoutes } from "./dialects/openai/routes.js";
import { clientErrorHandler } from "./edge/client-errors.js";
import { registerCors } from "./edge/cors.js";
import { expectationFailedHandler, frameworkErrorHandler } from "./edge/early-refusals.js";
import { logFailedHandshakes } from "./edge/handshake-log.js";
import { discardRestOfBody } from "./edge/lingering-close.js";
import { nodeServerFactory } from "./edge/node-server.js";
import { forwardedForHook, forwardedPort, trustProxyOption } from "./edge/proxy-trust.js";
import { securityHeadersHook } from "./edge/security-headers.js";
import { startTlsReload, tlsEnabled, tlsServerOptions } from "./edge/tls.js";
import { readTlsFiles } from "./edge/tls-files.js";
import { trustedHostHook } from "./edge/trusted-hosts.js";
import { GatewayError, toGatewayError } from "./errors.js";
import { drainOnClose } from "./http/drain.js";
import { registerInflightBudget } from "./http/inflight-budget.js";
import { noSchemaCompilers } from "./http/no-schema-compilers.js";
import { loggerOptions } from "./logging.js";
import { startMetricsServer } from "./observability/metrics-server.js";
import { registerExchange } from "./observability/request-exchange.js";

export interface BuildOptions {
  /** Extra pino options, e.g. a destination stream for tests that read the logs. */
  logger?: FastifyServerOptions["logger"];
}

/**
 * The gateway as a Fastify instance, not yet listening. Hooks run in this order:
 * request id → security headers → trusted host → CORS → authentication → route.
 * With TLS configured, the certificate files are read and checked here (ConfigError if unusable).
 */
export async function buildApp(
  config: Config,
  deps: Deps,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  // Read before the server exists, so unusable files stop startup with one line.
  const tls = tlsEnabled(config) ? tlsServerOptions(readTlsFiles(config), config) : undefined;
  const trustProxy = trustProxyOption(config);
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.LOG_LEVEL),
    serverFactory: nodeServerFactory(config, tls),
    // Not used to build the server (serverFactory does); Fastify reads it to log https:// addresses.
    ...(tls ? { https: true } : {}),
    trustProxy,
    // Header timeouts, oversized headers and malformed HTTP, answered in JSON before routing.
    clientErrorHandler: clientErrorHandler((url) => dialects.forUrl(url)),
    // A path Fastify cannot decode (%ff), answered in JSON like the rest.
    frameworkErrors: frameworkErrorHandler((url) => dialects.forUrl(url)),
    bodyLimit: config.MAX_REQUEST_BODY_SIZE,
    // Client-chosen ids would let anyone forge log correlation; we mint our own.
    genReqId: () => randomUUID(),
    // One line per request, written in onResponse below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Requests during the drain are refused in their dialect by src/http/drain.ts (Fastify's own 503 is not).
    return503OnClosing: false,
    schemaController: noSchemaCompilers,
    forceCloseConnections: "idle",
  });

  const dialects = dialectTable([
    { prefix: config.OPENAI_ROUTES_PREFIX, dialect: openAiDialect },
    { prefix: config.ANTHROPIC_ROUTES_PREFIX, dialect: anthropicDialect },
  ]);

  // First hook: the request id headers and the request's Exchange (access log line, metrics, trace).
  registerExchange(app, dialects, deps.observability, (request) => forwardedPort(request, trustProxy));
  // After the Exchange exists, so a request refused while draining still has its record and log line.
  drainOnClose(app);
  app.server.on("checkExpectation", expectationFailedHandler(dialects.forUrl, app.log));

  if (trustProxy) app.addHook("onRequest", forwardedForHook);
  app.addHook("onRequest", securityHeadersHook);
  app.addHook("onRequest", trustedHostHook(config.TRUSTED_HOSTS));
  // Its onRequest hook answers preflights, before authentication.
  if (config.CORS_ALLOW_ORIGINS) await registerCors(app, config.CORS_ALLOW_ORIGINS);
  // After CORS, so preflights are answered before any key is asked for.
  await registerAuthentication(app, config, deps);
  registerInflightBudget(app, config.MAX_INFLIGHT_REQUEST_BYTES);

  app.setErrorHandler(async (error, request, reply) => {
    const gatewayError = toGatewayError(error);
    request.exchange.errorCode = gatewayError.code ?? gatewayError.kind;
    if (reply.raw.destroyed || request.raw.socket?.destroyed) {
      // The client went away (and its Bedrock call was aborted): not a failure of the gateway.
      request.log.info(
        { status: gatewayError.status, reason: `client closed the connection: ${gatewayError.message}` },
        "client disconnected",
      );
    } else if (gatewayError.status >= 500) request.log.error({ err: error }, "request failed");
    else
      request.log.info(
        { status: gatewayError.status, reason: gatewayError.message, detail: gatewayError.detail },
        "request refused",
      );
    for (const [name, value] of Object.entries(gatewayError.headers)) reply.header(name, value);
    if (gatewayError.status === 413 && !request.raw.complete) {
      // Let the client finish sending, or it never reads the 413 (src/edge/lingering-close.ts); after the
      // error's own headers, which may ask to close.
      reply.removeHeader("connection");
      discardRestOfBody(request.raw);
    }
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
    request.exchange.errorCode = "unknown_route";
    return reply.status(404).send(dialects.forUrl(request.url).errorBody(error));
  });

  // Only JSON bodies: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser("text/plain");

  app.get("/health", async () => ({ status: "ok" }));

  await app.register(openAiRoutes, { prefix: config.OPENAI_ROUTES_PREFIX, config, deps });
  await app.register(anthropicRoutes, { prefix: config.ANTHROPIC_ROUTES_PREFIX, config, deps });

  if (tls) {
    // nodeServerFactory made an https.Server; Fastify's types only know http.Server.
    const server = app.server as unknown as TlsServer;
    const reloader = startTlsReload(server, config, config.TLS_RELOAD_INTERVAL, app.log);
    logFailedHandshakes(server, app.log);
    app.addHook("onClose", async () => reloader.stop());
  }

  const metrics = deps.observability.metrics;
  const metricsPort = config.METRICS_PORT;
  if (metrics && metricsPort !== undefined) {
    // Its own listener, opened with the API's and closed with it.
    let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
    app.addHook("onListen", async () => {
      metricsServer = await startMetricsServer(metrics, config.METRICS_HOST, metricsPort);
    });
    app.addHook("onClose", async () => {
      metricsServer?.closeAllConnections();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
    });
  }

  app.addHook("onClose", async () => deps.close());
  return app;
}
