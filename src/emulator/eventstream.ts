import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/**
 * AWS event-stream framing (the binary `application/vnd.amazon.eventstream` format: prelude,
 * typed headers, payload, CRCs), as Bedrock uses for ConverseStream responses.
 */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export const EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

/**
 * Encoded frames by message type, event or exception type and payload. Encoding (headers, two CRC32s) is most
 * of the emulator's own work per short stream, and the benchmarks ask for the same answer thousands of times a
 * second on the core the load generator shares; the bytes are the same either way. Small frames only (a text
 * delta, a stop event), at most MAX_ENCODED of them: emptied when full.
 */
const encoded = new Map<string, Uint8Array>();
const MAX_ENCODED = 4096;
const MAX_ENCODED_PAYLOAD = 1024;

function frame(messageType: "event" | "exception", type: string, payload: unknown): Uint8Array {
  const json = JSON.stringify(payload);
  const key = `${messageType}:${type}:${json}`;
  const cached = encoded.get(key);
  if (cached !== undefined) return cached;
  const bytes = codec.encode({
    headers: {
      ":message-type": str(messageType),
      [messageType === "event" ? ":event-type" : ":exception-type"]: str(type),
      ":content-type": str("application/json"),
    },
    body: fromUtf8(json),
  });
  if (json.length <= MAX_ENCODED_PAYLOAD) {
    if (encoded.size >= MAX_ENCODED) encoded.clear();
    encoded.set(key, bytes);
  }
  return bytes;
}

function str(value: string) {
  return { type: "string" as const, value };
}

/** A normal event: the SDK maps `:event-type` to the member of the output union with that name. */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return frame("event", eventType, payload);
}

/**
 * A modelled error inside the stream. `:exception-type` is the union member name, which Bedrock
 * spells in lowerCamelCase (`throttlingException`), not the exception's class name; the SDK looks it up
 * in the output union and throws the matching exception class.
 */
export function exceptionFrame(exceptionType: string, payload: Record<string, unknown>): Uint8Array {
  return frame("exception", exceptionType, payload);
}

/** `ThrottlingException` → `throttlingException`, the event-stream member name. */
export function streamMemberName(exceptionName: string): string {
  return exceptionName.charAt(0).toLowerCase() + exceptionName.slice(1);
}
