import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Dialect } from "../dialects/dialect.js";
import { GatewayError } from "../errors.js";
import { securityHeaders } from "./security-headers.js";

/** What Node's HTTP parser and connection checks report, as the error the client gets. */
export function clientErrorOf(code: string | undefined): GatewayError {
  switch (code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new GatewayError("timeout", "The request was not received in time.", {
        status: 408,
        code: "request_timeout",
      });
    case "HPE_HEADER_OVERFLOW":
      return new GatewayError(
        "request_too_large",
        "The request headers are larger than the gateway accepts.",
        {
          status: 431,
          code: "headers_too_large",
        },
      );
    default:
      return new GatewayError("invalid_request", "The request is not valid HTTP.", { code: "bad_request" });
  }
}

/**
 * The path of a request target, for choosing the dialect: an absolute-form target
 * (http://host/anthropic/v1/messages, as proxies send) is reduced to its path.
 */
export function targetPath(target: string): string {
  if (target.startsWith("/")) return target;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(target);
  if (absolute === null) return "/";
  const path = absolute[1] ?? "";
  return path.startsWith("/") ? path : `/${path}`;
}

/**
 * The path of the request line in the bytes read so far. The line may be cut short (a request line longer
 * than the header limit): its beginning still names the route.
 */
export function requestPath(rawPacket: unknown): string {
  if (!Buffer.isBuffer(rawPacket)) return "/";
  const line = rawPacket.subarray(0, 2048).toString("latin1");
  const target = /^[A-Z]+ +([^\s]+)/.exec(line)?.[1];
  return target === undefined ? "/" : targetPath(target);
}

/** An error answered outside Fastify's routing: status, headers (request id, security headers) and body. */
export function edgeAnswer(dialect: Dialect, refusal: GatewayError, id: string) {
  const status = dialect.statusOf?.(refusal) ?? refusal.status;
  const body = JSON.stringify(dialect.errorBody(refusal));
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
    "x-request-id": id,
    ...(dialect.name === "anthropic" ? { "request-id": id } : {}),
    ...securityHeaders,
  };
  return { status, headers, body };
}

/** Node's own check before it writes to a socket that failed: no answer of ours has begun. */
function answerStarted(socket: Socket): boolean {
  return (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
}

/**
 * Answers requests that never reach Fastify's routing (header timeout, oversized headers, malformed
 * HTTP) with a JSON error in the dialect of the path, a request id and the security headers, then
 * closes the connection once the answer is written.
 */
export function clientErrorHandler(dialectFor: (url: string) => Dialect) {
  return function handleClientError(
    this: FastifyInstance,
    error: Error & { code?: string; rawPacket?: unknown },
    socket: Socket,
  ): void {
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const id = randomUUID();
    const refusal = clientErrorOf(error.code);
    this.log.info(
      { reqId: id, ip: socket.remoteAddress, status: refusal.status, reason: error.code },
      "connection refused",
    );
    if (socket.writable && !answerStarted(socket)) {
      const { status, headers, body } = edgeAnswer(dialectFor(requestPath(error.rawPacket)), refusal, id);
      const head = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join("");
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
    }
    // Closes after the answer is flushed, even if the client keeps sending (a slowloris never stops).
    socket.destroySoon();
  };
}
