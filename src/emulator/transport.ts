import http, { type IncomingMessage, type ServerResponse } from "node:http";
import http2, { type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import net, { type Socket } from "node:net";

/**
 * One TCP port speaking both HTTP/1.1 and cleartext HTTP/2 ("h2c" with prior knowledge).
 *
 * Why both: the stock BedrockRuntimeClient of current SDK versions talks HTTP/2 (NodeHttp2Handler),
 * even to an `http://` endpoint, where it sends the HTTP/2 preface straight away; the Bedrock control
 * plane, SSM and Secrets Manager clients talk HTTP/1.1. Node has no cleartext server that accepts
 * both, so we accept raw TCP, look at the first bytes, and hand the socket to the matching server.
 */

export type RequestLike = IncomingMessage | Http2ServerRequest;
export type ResponseObject = ServerResponse | Http2ServerResponse;
export type RequestListener = (req: RequestLike, res: ResponseObject) => void;

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

function looksLikeHttp2(firstBytes: Buffer): boolean {
  const n = Math.min(firstBytes.length, H2_PREFACE.length);
  return n > 0 && firstBytes.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
}

export interface DualProtocolServer {
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting and destroys every open connection (and so every in-flight request). */
  close(): Promise<void>;
}

export function createDualProtocolServer(
  onRequest: RequestListener,
  onConnection: (socket: Socket) => void,
): DualProtocolServer {
  const h1 = http.createServer(onRequest);
  // Keep idle connections well past the SDK's own idle timeout, as AWS endpoints do, so a reused
  // keep-alive socket is never closed under a client (which would show up as spurious ECONNRESETs).
  h1.keepAliveTimeout = 65_000;
  h1.headersTimeout = 66_000;
  // Node's default of 10 MB per HTTP/2 session is too little for multiplexed large requests (images,
  // documents); beyond it the session is answered with ENHANCE_YOUR_CALM. Real endpoints take 20 MB+.
  const h2 = http2.createServer({ maxSessionMemory: 512 }, onRequest);
  const sockets = new Set<Socket>();

  const tcp = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    // Until a protocol server owns the socket, nobody else would handle its errors.
    const ignore = () => {};
    socket.on("error", ignore);
    onConnection(socket);
    socket.once("readable", () => {
      const first = socket.read() as Buffer | null;
      if (first === null) return; // closed before sending anything
      socket.unshift(first);
      socket.off("error", ignore);
      (looksLikeHttp2(first) ? h2 : h1).emit("connection", socket);
    });
  });

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, host, () => {
          tcp.off("error", reject);
          resolve((tcp.address() as net.AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        tcp.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
