import type { Socket } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { DialectTable } from "../dialects/dialect.js";
import { loggedUrl } from "../logging.js";
import { Exchange, routeNameOf } from "./exchange.js";
import type { Observability } from "./load.js";

declare module "fastify" {
  interface FastifyRequest {
    /** What this request did, for its access log line, the metrics and its trace. */
    exchange: Exchange;
  }
}

/** The model the client asked for, when its body names one (never more than 200 characters of it). */
function modelAsked(body: unknown): string | undefined {
  const model = (body as { model?: unknown } | null | undefined)?.model;
  return typeof model === "string" ? model.slice(0, 200) : undefined;
}

function contentLength(request: FastifyRequest): number | undefined {
  const value = Number(request.headers["content-length"]);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

const round = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms * 100) / 100);

/**
 * Gives every request an Exchange at its first hook and reports it once, when its response closes: after
 * the last byte, or when the client left mid-way (a stream cut short still gets its line, marked aborted,
 * with status 499 when no answer had started). That one moment feeds the access log line, the metrics
 * sinks and the request span.
 */
export function registerExchange(
  app: FastifyInstance,
  dialects: DialectTable,
  observability: Observability,
  forwardedPort: (request: FastifyRequest) => number | undefined,
): void {
  const { telemetry, tracing } = observability;
  app.decorateRequest("exchange", null as unknown as Exchange);

  const finish = (request: FastifyRequest, reply: FastifyReply, socket: Socket | null, written: number) => {
    const exchange = request.exchange;
    const response = reply.raw;
    const aborted = !response.writableFinished;
    const status = aborted && !response.headersSent ? 499 : reply.statusCode;
    const ms = exchange.elapsedMs();
    const tokens = exchange.tokens;
    request.log.info(
      {
        method: request.method,
        url: loggedUrl(request.url),
        route: exchange.route,
        dialect: exchange.dialect,
        // The client: the socket peer, or what trusted proxies said (ENABLE_PROXY_HEADERS).
        ip: request.ip,
        proto: request.protocol,
        port: forwardedPort(request),
        key: exchange.keyName,
        model: modelAsked(request.body),
        bedrockModel: exchange.modelSent,
        stream: exchange.stream,
        status,
        error: exchange.errorCode,
        aborted: aborted || undefined,
        finishReason: exchange.finishReason,
        tokens: tokens && {
          input: tokens.input,
          output: tokens.output,
          cacheRead: tokens.cacheRead,
          cacheWrite: tokens.cacheWrite,
        },
        ttftMs: round(exchange.ttftMs),
        bedrockMs: exchange.bedrockCalls > 0 ? round(exchange.bedrockMs) : undefined,
        bedrockError: exchange.bedrockError,
        guardrail: exchange.guardrailAssessment,
        region: exchange.region,
        attempts: exchange.attempts,
        bytesIn: contentLength(request),
        bytesOut: socket ? socket.bytesWritten - written : undefined,
        ms: round(ms),
      },
      "request",
    );
    telemetry.requestFinished({ exchange, status, aborted, seconds: ms / 1000 });
    tracing?.endRequest(exchange, status, aborted);
  };

  app.addHook("onRequest", async (request, reply) => {
    const exchange = new Exchange();
    request.exchange = exchange;
    const pattern = request.routeOptions.url;
    exchange.route = routeNameOf(pattern);
    exchange.dialect = dialects.forUrl(request.url).name;
    reply.header("x-request-id", request.id);
    // Anthropic's clients read the request id from request-id.
    if (exchange.dialect === "anthropic") reply.header("request-id", request.id);
    telemetry.requestStarted(exchange);
    tracing?.startRequest(exchange, request.method, pattern, request.headers);
    // Byte counts of this response alone: a kept-alive socket has carried earlier ones.
    const socket = request.raw.socket ?? null;
    const written = socket?.bytesWritten ?? 0;
    // `on`: a response closes once, and `once` would add a wrapper per request, held as long as a stream lasts.
    reply.raw.on("close", () => finish(request, reply, socket, written));
  });
}
