import type { FastifyReply } from "fastify";

export const sseHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  connection: "keep-alive",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
} as const;

/**
 * Writes SSE frames straight to the socket as they are produced, waiting for the socket to drain
 * when the client reads slowly. Ends quietly when the client has gone.
 */
export async function writeSse(
  reply: FastifyReply,
  frames: AsyncIterable<string>,
  signal: AbortSignal,
): Promise<void> {
  const response = reply.raw;
  reply.hijack();
  const headers: Record<string, string> = { ...sseHeaders };
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (typeof value === "string") headers[name] = value;
  }
  response.writeHead(200, headers);
  // Frames produced in one tick (events that arrived in one network read) leave in one write; a frame is
  // never held past the end of the tick it was produced in.
  let corked = false;
  const uncork = () => {
    corked = false;
    response.uncork();
  };
  try {
    for await (const frame of frames) {
      if (signal.aborted || response.destroyed) break;
      if (!corked) {
        corked = true;
        response.cork();
        process.nextTick(uncork);
      }
      if (!response.write(frame)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            response.off("drain", done);
            response.off("close", done);
            resolve();
          };
          response.on("drain", done);
          response.on("close", done);
        });
      }
    }
  } finally {
    if (!response.destroyed) response.end();
  }
}
