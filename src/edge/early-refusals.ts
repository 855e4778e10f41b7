import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, FastifyServerOptions } from "fastify";
import type { Dialect } from "../dialects/dialect.js";
import { GatewayError } from "../errors.js";
import { edgeAnswer, targetPath } from "./client-errors.js";

/**
 * Requests Node or Fastify refuse before any hook runs, answered like every other error: JSON in the dialect
 * of the path, with a request id and the security headers (the defaults are an empty or Fastify-shaped body).
 */

function answer(
  response: ServerResponse,
  dialect: Dialect,
  refusal: GatewayError,
  id: string,
  log: FastifyBaseLogger,
) {
  const { status, headers, body } = edgeAnswer(dialect, refusal, id);
  log.info({ reqId: id, status, reason: refusal.code }, "request refused");
  if (response.headersSent) return;
  response.writeHead(status, headers);
  response.end(body);
}

/** What Fastify reports when the path cannot be routed at all, as the error the client gets. */
function frameworkRefusal(code: string | undefined): GatewayError {
  switch (code) {
    case "FST_ERR_BAD_URL":
      return new GatewayError(
        "invalid_request",
        "The request path is not valid (malformed percent-encoding).",
        {
          code: "bad_url",
        },
      );
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new GatewayError("invalid_request", "The request path is longer than the gateway accepts.", {
        status: 414,
        code: "uri_too_long",
      });
    default:
      return new GatewayError("internal", "The gateway failed to route the request.");
  }
}

/** Fastify's frameworkErrors: a path it cannot decode (`%ff`) and the like. */
export function frameworkErrorHandler(
  dialectFor: (path: string) => Dialect,
): NonNullable<FastifyServerOptions["frameworkErrors"]> {
  return (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
    answer(
      reply.raw,
      dialectFor(targetPath(request.url)),
      frameworkRefusal(error.code),
      request.id,
      request.log,
    );
  };
}

/**
 * Node's checkExpectation event: an Expect header other than 100-continue. Without a listener Node sends a
 * bare 417; with one, the request never reaches Fastify.
 */
export function expectationFailedHandler(dialectFor: (path: string) => Dialect, log: FastifyBaseLogger) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const refusal = new GatewayError(
      "invalid_request",
      "The Expect header is not supported; only 100-continue is.",
      {
        status: 417,
        code: "expectation_failed",
      },
    );
    answer(response, dialectFor(targetPath(request.url ?? "/")), refusal, randomUUID(), log);
  };
}
