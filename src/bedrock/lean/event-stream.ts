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

/**
 * The SDK's event object: `{ [eventType]: value }`, spelt out for the events of every stream, whose objects
 * are then built from a literal (a computed key costs a slower path on each event).
 */
function eventOf(eventType: string, value: unknown): ConverseStreamOutput {
  switch (eventType) {
    case "contentBlockDelta":
      return { contentBlockDelta: value } as ConverseStreamOutput;
    case "messageStart":
      return { messageStart: value } as ConverseStreamOutput;
    case "contentBlockStart":
      return { contentBlockStart: value } as ConverseStreamOutput;
    case "contentBlockStop":
      return { contentBlockStop: value } as ConverseStreamOutput;
    case "messageStop":
      return { messageStop: value } as ConverseStreamOutput;
    case "metadata":
      return { metadata: value } as ConverseStreamOutput;
    default:
      return { [eventType]: value } as unknown as ConverseStreamOutput;
  }
}

/** One decoded frame → the SDK's event object, nothing (unknown event), or a thrown exception. */
function toEvent({ headers, payload }: EventFrame): ConverseStreamOutput | undefined {
  const messageType = headers[":message-type"];
  if (messageType === "event") {
    const eventType = headers[":event-type"] ?? "";
    if (!eventPlans.has(eventType)) return undefined;
    return eventOf(eventType, decodeBlobs(parsed(payload), eventPlans.get(eventType)));
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
  /** Bytes read and not yet decoded start at `offset` (frames are read in place, not sliced off). */
  private pending: Buffer = empty;
  private offset = 0;
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
    while (this.pending.length - this.offset >= 4) {
      const start = this.offset;
      const length = this.pending.readUInt32BE(start);
      if (this.pending.length - start < length) return undefined;
      const frame =
        readEventFrame(this.pending, start) ?? codecFrame(this.pending.subarray(start, start + length));
      this.offset = start + length;
      if (this.offset === this.pending.length) {
        this.pending = empty;
        this.offset = 0;
      }
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
          if (this.pending.length > this.offset) throw new Error("Truncated event message received.");
          this.ended = true;
          this.observer?.end(undefined);
          return { done: true, value: undefined };
        }
        const bytes = Buffer.isBuffer(chunk.value)
          ? chunk.value
          : Buffer.from(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength);
        this.pending =
          this.pending.length === 0 ? bytes : Buffer.concat([this.pending.subarray(this.offset), bytes]);
        this.offset = 0;
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
