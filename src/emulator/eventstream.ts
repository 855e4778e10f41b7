import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/**
 * AWS event-stream framing (the binary `application/vnd.amazon.eventstream` format: prelude,
 * typed headers, payload, CRCs), as Bedrock uses for ConverseStream responses.
 */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export const EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

function str(value: string) {
  return { type: "string" as const, value };
}

function frame(headers: MessageHeaders, payload: unknown): Uint8Array {
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

/** A normal event: the SDK maps `:event-type` to the member of the output union with that name. */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return frame(
    {
      ":message-type": str("event"),
      ":event-type": str(eventType),
      ":content-type": str("application/json"),
    },
    payload,
  );
}

/**
 * A modelled error inside the stream. `:exception-type` is the union member name, which Bedrock
 * spells in lowerCamelCase (`throttlingException`), not the exception's class name; the SDK looks it up
 * in the output union and throws the matching exception class.
 */
export function exceptionFrame(exceptionType: string, payload: Record<string, unknown>): Uint8Array {
  return frame(
    {
      ":message-type": str("exception"),
      ":exception-type": str(exceptionType),
      ":content-type": str("application/json"),
    },
    payload,
  );
}

/** `ThrottlingException` → `throttlingException`, the event-stream member name. */
export function streamMemberName(exceptionName: string): string {
  return exceptionName.charAt(0).toLowerCase() + exceptionName.slice(1);
}
