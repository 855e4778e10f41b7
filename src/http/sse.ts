import type { FastifyReply } from "fastify";

export const sseHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  connection: "keep-alive",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
} as const;

/** How a route turns the events of a stream into SSE frames. An empty or undefined frame writes nothing. */
export interface SseFrames<T> {
  /** The opening frame, written before the first event. */
  start?(): string | undefined;
  /** The frame (or several, concatenated) for one event. */
  frame(event: T): string | undefined;
  /**
   * The closing frame once the events are over; throwing here reports a failure like a broken stream. It may
   * wait (the Responses API stores the response before telling the client it is complete).
   */
  finish(): string | undefined | Promise<string | undefined>;
  /** The frame reporting a failure after the stream started (not called when the client has gone). */
  failed(error: unknown): string | undefined | Promise<string | undefined>;
}

/**
 * Writes the SSE frames of a stream of events straight to the socket as they are produced, waiting for the
 * socket to drain when the client reads slowly. Ends quietly when the client has gone.
 *
 * The events are translated in this one loop rather than in an async generator of frames between the events
 * and the socket: a generator layer costs a promise and several microtasks per event, nearly all of a stream.
 */
export async function writeSse<T>(
  reply: FastifyReply,
  events: AsyncIterable<T>,
  frames: SseFrames<T>,
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
  const gone = () => signal.aborted || response.destroyed;
  /** Writes a frame; false when the socket's buffer is full. */
  const writeNow = (frame: string): boolean => {
    if (!corked) {
      corked = true;
      response.cork();
      process.nextTick(uncork);
    }
    return response.write(frame);
  };
  /** Writes a frame unless the client has gone, then waits while the socket's buffer is full. */
  const write = async (frame: string | undefined): Promise<void> => {
    if (frame && !gone() && !writeNow(frame)) await drained(response);
  };
  try {
    try {
      if (frames.start) await write(frames.start());
      for await (const event of events) {
        if (gone()) break;
        const frame = frames.frame(event);
        // Most frames fit the socket's buffer: no await (and no microtask) for them.
        if (frame && !writeNow(frame)) await drained(response);
      }
      if (!gone()) await write(await frames.finish());
    } catch (error) {
      if (!signal.aborted) await write(await frames.failed(error));
    }
  } finally {
    if (!response.destroyed) response.end();
  }
}

/** Resolves when the socket takes more, or the client has gone. */
function drained(response: FastifyReply["raw"]): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}
