import type { IncomingMessage } from "node:http";

/** How much of a refused body is still read, at most, after its answer: bytes and milliseconds. */
export const lingerLimits = { bytes: 128 * 1024 * 1024, ms: 10_000 };

/**
 * Reads and discards the rest of a body refused before it was read (413), for at most `lingerLimits`, then
 * cuts the connection if the body has not ended. Closing at once, as Fastify asks Node to (Connection:
 * close), resets the connection under a client that is still writing, and clients that write the whole body
 * before they read (fetch/undici, http.request) then report EPIPE instead of the 413. The caller therefore
 * drops that header; the body is read to its end here, and the connection stays usable (an HTTP/1.1
 * connection persists unless one side says otherwise) if it ends within the limits.
 */
export function discardRestOfBody(request: IncomingMessage, limits = lingerLimits): void {
  const socket = request.socket;
  if (request.complete || socket.destroyed) return;
  let discarded = 0;
  const cut = () => socket.destroy();
  const timer = setTimeout(cut, limits.ms);
  timer.unref();
  const count = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.bytes) cut();
  };
  const stop = () => {
    clearTimeout(timer);
    request.off("data", count);
  };
  // Read here rather than through Node's own discarding (req._dump), which cannot be counted.
  request.on("data", count);
  request.once("end", stop);
  socket.once("close", stop);
  request.resume();
}
