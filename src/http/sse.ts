import type { FastifyReply } from "fastify";
import { canTakeBuffered } from "../bedrock/buffered-events.js";

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
  /**
   * True for an event after which only the end of the stream is expected (ConverseStream: `metadata`): the
   * frames written from then on may wait for the rest of this turn of the event loop, so that when the end is
   * already in hand they leave with the closing frame, in one write instead of two.
   */
  last?(event: T): boolean;
}

/**
 * Frames gathered past this many characters leave at once rather than with the rest of their read. A read
 * from Bedrock is at most 64 KiB, so this only bounds a read of unusually many small events.
 */
const flushAt = 65_536;

/**
 * Writes the SSE frames of a stream of events to the socket as they are produced, waiting for the socket to
 * drain when the client reads slowly. Ends quietly when the client has gone.
 *
 * The events are translated in this one loop rather than in an async generator of frames between the events
 * and the socket: a generator layer costs a promise and several microtasks per event, nearly all of a stream.
 * Events already in hand are taken synchronously (`nextBuffered`, when the stream offers it), and the frames
 * of all the events of one network read leave in one write, just before the loop waits for the next read:
 * one write of the response (a chunk header, the frames, a CRLF) instead of four socket writes per event.
 * A frame is never held while the loop waits, and the loop never asks for more events while the socket's
 * buffer is full, so a slow client still holds Bedrock back.
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
  const gone = () => signal.aborted || response.destroyed;
  /** Frames produced and not yet written. */
  let batch = "";
  const add = (frame: string | undefined) => {
    if (frame) batch += frame;
  };
  /** Set once the last event is in: the response is then corked until the end of this turn of the event loop. */
  let ending = false;
  let corked = false;
  /** While corked, within this turn: a full buffer is not waited for (it drains only once uncorked). */
  let holding = false;
  const uncork = () => {
    holding = false;
    if (!response.writableEnded && !response.destroyed) response.uncork();
  };
  /** Writes the frames gathered, then waits while the socket's buffer is full. */
  const flush = async (): Promise<void> => {
    if (batch === "") return;
    const data = batch;
    batch = "";
    if (gone()) return;
    if (ending && !corked) {
      // node:http would send the write on the next tick, before the upstream's end (also known by then
      // but reported a tick later) lets the closing frame follow: one more system call and TCP segment.
      // end() sends everything corked; the immediate lets the frames go if the end is not in hand yet.
      corked = true;
      holding = true;
      response.cork();
      setImmediate(uncork);
    }
    if (!response.write(data) && !holding) await drained(response);
  };
  const iterator = events[Symbol.asyncIterator]();
  const buffered = canTakeBuffered(iterator) ? iterator : undefined;
  try {
    if (frames.start) add(frames.start());
    // Like for await: an iterator left before its end is told to return (the upstream body is closed);
    // one whose next() threw or said done is not.
    let open = true;
    try {
      for (;;) {
        let event = buffered?.nextBuffered();
        if (event === undefined) {
          await flush();
          if (gone()) break;
          open = false;
          const step = await iterator.next();
          if (step.done) break;
          open = true;
          event = step.value;
        }
        if (gone()) break;
        if (frames.last?.(event)) ending = true;
        add(frames.frame(event));
        if (batch.length >= flushAt) await flush();
      }
    } finally {
      if (open) await iterator.return?.();
    }
    if (!gone()) add(await frames.finish());
  } catch (error) {
    if (!signal.aborted) add(await frames.failed(error));
  } finally {
    // The last frames leave with the end of the response, in one write.
    if (!response.destroyed) response.end(batch !== "" && !gone() ? batch : undefined);
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
