import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { ConverseStreamOutput$ } from "@aws-sdk/client-bedrock-runtime";
import { NormalizedSchema } from "@smithy/core/schema";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { BufferedEvents } from "../buffered-events.js";
import type { StreamObserver } from "../transport.js";
import { type BlobPlan, blobPlan, decodeBlobs } from "./blobs.js";
import { type EventFrame, readEventFrame } from "./event-frame.js";
import { streamException } from "./exceptions.js";

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/**
 * The members of the SDK's ConverseStreamOutput union: events (name → where their blobs are) and modelled
 * exceptions (`:exception-type` is the member name, e.g. throttlingException → ThrottlingException).
 * An event type the SDK does not know is skipped, as the SDK skips it.
 */
const eventPlans = new Map<string, BlobPlan | undefined>();
const exceptionNames = new Map<string, string>();
for (const [name, member] of Object.entries(NormalizedSchema.of(ConverseStreamOutput$).getMemberSchemas())) {
  if (member.getMergedTraits().error !== undefined) exceptionNames.set(name, member.getName() ?? name);
  else eventPlans.set(name, blobPlan(member.getSchema()));
}

/** A frame the fast reader refused, decoded by the SDK's codec: it throws the codec's error for a bad frame. */
function codecFrame(bytes: Buffer): EventFrame {
  const message = codec.decode(bytes);
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(message.headers)) {
    if (header.type === "string") headers[name] = header.value;
  }
  return { headers, payload: toUtf8(message.body) };
}

const parsed = (payload: string): Record<string, unknown> =>
  payload === "" ? {} : (JSON.parse(payload) as Record<string, unknown>);

/** One decoded frame → the SDK's event object, nothing (unknown event), or a thrown exception. */
function toEvent({ headers, payload }: EventFrame): ConverseStreamOutput | undefined {
  const messageType = headers[":message-type"];
  if (messageType === "event") {
    const eventType = headers[":event-type"] ?? "";
    if (!eventPlans.has(eventType)) return undefined;
    return {
      [eventType]: decodeBlobs(parsed(payload), eventPlans.get(eventType)),
    } as unknown as ConverseStreamOutput;
  }
  if (messageType === "exception") {
    const member = headers[":exception-type"] ?? "UnknownError";
    throw streamException(exceptionNames.get(member), member, parsed(payload), payload);
  }
  if (messageType === "error") {
    const error = new Error(headers[":error-message"] || "UnknownError");
    error.name = headers[":error-code"] ?? "UnknownError";
    throw error;
  }
  throw new Error(`Unrecognizable event type: ${headers[":event-type"]}`);
}

const empty = Buffer.alloc(0);

/**
 * AWS event-stream frames (4-byte big-endian total length, headers, payload, CRCs checked by the SDK's
 * codec) → ConverseStream events, one by one as their bytes arrive. A consumer that stops early (the client
 * went away, an error was written) gets `stoppedEarly` called, to close the body rather than leave it half read.
 * The observer sees each event as it is handed out and the end, exactly once.
 */
export function converseEvents(
  body: AsyncIterable<Uint8Array>,
  stoppedEarly: () => void = () => {},
  observer?: StreamObserver,
): AsyncIterableIterator<ConverseStreamOutput> & BufferedEvents<ConverseStreamOutput> {
  return new ConverseEvents(body[Symbol.asyncIterator](), stoppedEarly, observer);
}

/**
 * An iterator written out rather than an async generator: an event whose frame is already buffered (most
 * events: one network read carries several) is handed out synchronously by `nextBuffered()`, or by `next()`
 * in an already-resolved promise, where a generator's yield costs an await and several microtasks; frames are
 * decoded one at a time, as the consumer asks, so an exception frame is thrown only after the events before it.
 */
class ConverseEvents
  implements AsyncIterableIterator<ConverseStreamOutput>, BufferedEvents<ConverseStreamOutput>
{
  private pending: Buffer = empty;
  private ended = false;
  /** A failure met by `nextBuffered()`, which never throws: the next `next()` rejects with it. */
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly body: AsyncIterator<Uint8Array>,
    private readonly stoppedEarly: () => void,
    private readonly observer: StreamObserver | undefined,
  ) {}

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<ConverseStreamOutput>> {
    if (this.failure) return Promise.reject(this.fail(this.failure.error));
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    let event: ConverseStreamOutput | undefined;
    try {
      event = this.buffered();
    } catch (error) {
      return Promise.reject(this.fail(error));
    }
    return event ? Promise.resolve(this.handOut(event)) : this.read();
  }

  nextBuffered(): ConverseStreamOutput | undefined {
    if (this.ended || this.failure) return undefined;
    let event: ConverseStreamOutput | undefined;
    try {
      event = this.buffered();
    } catch (error) {
      this.failure = { error };
      return undefined;
    }
    if (event) this.observer?.event(event);
    return event;
  }

  return(): Promise<IteratorResult<ConverseStreamOutput>> {
    if (!this.ended) {
      this.ended = true;
      this.stoppedEarly();
      this.observer?.end(undefined);
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  /** The next event among the bytes already read, if a whole frame of one is there. */
  private buffered(): ConverseStreamOutput | undefined {
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0);
      if (this.pending.length < length) return undefined;
      const bytes = this.pending.subarray(0, length);
      const frame = readEventFrame(bytes) ?? codecFrame(bytes);
      this.pending = this.pending.length === length ? empty : this.pending.subarray(length);
      const event = toEvent(frame);
      if (event) return event;
    }
    return undefined;
  }

  /** Reads until a whole frame of an event is in, or the body ends. */
  private async read(): Promise<IteratorResult<ConverseStreamOutput>> {
    try {
      for (;;) {
        const chunk = await this.body.next();
        if (this.ended) return { done: true, value: undefined };
        if (chunk.done) {
          if (this.pending.length > 0) throw new Error("Truncated event message received.");
          this.ended = true;
          this.observer?.end(undefined);
          return { done: true, value: undefined };
        }
        const bytes = Buffer.isBuffer(chunk.value)
          ? chunk.value
          : Buffer.from(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength);
        this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
        const event = this.buffered();
        if (event) return this.handOut(event);
      }
    } catch (error) {
      throw this.fail(error);
    }
  }

  private handOut(event: ConverseStreamOutput): IteratorResult<ConverseStreamOutput> {
    this.observer?.event(event);
    return { done: false, value: event };
  }

  private fail(error: unknown): unknown {
    if (!this.ended) {
      this.ended = true;
      this.stoppedEarly();
      this.observer?.end(error);
    }
    return error;
  }
}
