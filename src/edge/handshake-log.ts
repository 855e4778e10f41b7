import type { Socket } from "node:net";
import type { Server, TLSSocket } from "node:tls";
import type { FastifyBaseLogger } from "fastify";

export interface HandshakeLogOptions {
  /** Lines per window; past it, failures are only counted. */
  limit?: number;
  windowMs?: number;
  now?: () => number;
}

interface Peer {
  ip: string | undefined;
  port: number | undefined;
}

type TlsError = Error & { code?: unknown; reason?: unknown };

const text = (value: unknown) => (typeof value === "string" ? value.slice(0, 200) : undefined);

/**
 * What OpenSSL (or Node) says went wrong, never the error's other properties. A client certificate that fails
 * verification is not an OpenSSL error: Node drops the connection and reports a bare "socket hang up", so the
 * verification code (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE) is taken from the socket instead.
 */
function reasonOf(error: TlsError, socket: TLSSocket) {
  const refused = socket.authorizationError as unknown;
  if (refused !== undefined && refused !== null) {
    const code = text(refused) ?? text((refused as TlsError).code);
    return { code, reason: "client certificate not accepted" };
  }
  return { code: text(error.code), reason: text(error.reason) ?? text(error.message) };
}

/**
 * One warn line per failed TLS handshake (peer address and port, OpenSSL's code and reason), at most `limit`
 * per window of `windowMs`, so a scanner cannot flood the log; what goes unlogged in a window is counted and
 * reported in one line when the window ends.
 */
export function logFailedHandshakes(
  server: Server,
  log: FastifyBaseLogger,
  options: HandshakeLogOptions = {},
) {
  const limit = options.limit ?? 10;
  const windowMs = options.windowMs ?? 1000;
  const now = options.now ?? Date.now;
  let windowStart = Number.NEGATIVE_INFINITY;
  let logged = 0;
  let suppressed = 0;
  let summary: NodeJS.Timeout | undefined;

  // A socket refused for its certificate is destroyed before the error is reported, and a destroyed socket
  // no longer knows its peer: the address is noted when the TCP connection arrives.
  const peers = new WeakMap<Socket, Peer>();
  server.on("connection", (socket: Socket) => {
    peers.set(socket, { ip: socket.remoteAddress, port: socket.remotePort });
  });
  const peerOf = (socket: TLSSocket): Peer | undefined => {
    if (socket.remoteAddress !== undefined) return { ip: socket.remoteAddress, port: socket.remotePort };
    // Node keeps the TCP socket a server-side TLSSocket wraps as _parent.
    const tcp = (socket as TLSSocket & { _parent?: Socket })._parent;
    return tcp ? peers.get(tcp) : undefined;
  };

  const report = () => {
    summary = undefined;
    log.warn({ suppressed, windowMs }, "TLS handshake failures not logged (rate limit)");
    suppressed = 0;
  };

  server.on("tlsClientError", (error: TlsError, socket: TLSSocket) => {
    const at = now();
    if (at - windowStart >= windowMs) {
      windowStart = at;
      logged = 0;
    }
    if (logged < limit) {
      logged++;
      log.warn({ ...peerOf(socket), ...reasonOf(error, socket) }, "TLS handshake failed");
      return;
    }
    suppressed++;
    summary ??= setTimeout(report, windowStart + windowMs - at);
    summary.unref();
  });
}
