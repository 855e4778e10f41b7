import http from "node:http";
import https from "node:https";
import type { TlsOptions } from "node:tls";
import type { FastifyServerFactory } from "fastify";
import { type LimitSettings, nodeServerOptions } from "./limits.js";

/**
 * Creates the one Node server Fastify listens with: HTTP, or HTTPS on the same port when TLS is
 * configured, with the limits applied either way. Fastify would otherwise create its own, and a
 * second one for "localhost", which the limits and the certificate reload would not reach.
 */
export function nodeServerFactory(config: LimitSettings, tls: TlsOptions | undefined): FastifyServerFactory {
  return (handler) => {
    const options = nodeServerOptions(config);
    const server = tls
      ? // A client that never finishes the handshake is cut like one that never finishes its headers.
        https.createServer({ ...options, ...tls, handshakeTimeout: config.HTTP_HEADERS_TIMEOUT }, handler)
      : http.createServer(options, handler);
    server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT;
    server.requestTimeout = config.HTTP_REQUEST_TIMEOUT;
    server.headersTimeout = config.HTTP_HEADERS_TIMEOUT;
    // A client that half-closes after its request (socket.end(request)) still gets its answer, then the
    // connection closes. Node's default aborts the request on the client's FIN and ends the connection.
    (server as { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen = true;
    // Fastify's types describe an http.Server; an https.Server serves the same requests.
    return server as http.Server;
  };
}
