import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { ConverseStreamOutput$ } from "@aws-sdk/client-bedrock-runtime";
import { NormalizedSchema } from "@smithy/core/schema";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import type { Message } from "@smithy/types";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { type BlobPlan, blobPlan, decodeBlobs } from "./blobs.js";
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

function headerText(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === "string" ? header.value : undefined;
}

function payloadOf(message: Message): { text: string; value: Record<string, unknown> } {
  const text = toUtf8(message.body);
  return { text, value: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** One decoded frame → the SDK's event object, nothing (unknown event), or a thrown exception. */
function toEvent(message: Message): ConverseStreamOutput | undefined {
  const messageType = headerText(message, ":message-type");
  if (messageType === "event") {
    const eventType = headerText(message, ":event-type") ?? "";
    if (!eventPlans.has(eventType)) return undefined;
    const { value } = payloadOf(message);
    return { [eventType]: decodeBlobs(value, eventPlans.get(eventType)) } as unknown as ConverseStreamOutput;
  }
  if (messageType === "exception") {
    const { text, value } = payloadOf(message);
    const member = headerText(message, ":exception-type") ?? "UnknownError";
    throw streamException(exceptionNames.get(member), member, value, text);
  }
  if (messageType === "error") {
    const error = new Error(headerText(message, ":error-message") || "UnknownError");
    error.name = headerText(message, ":error-code") ?? "UnknownError";
    throw error;
  }
  throw new Error(`Unrecognizable event type: ${headerText(message, ":event-type")}`);
}

/**
 * AWS event-stream frames (4-byte big-endian total length, headers, payload, CRCs checked by the SDK's
 * codec) → ConverseStream events, one by one as their bytes arrive. A consumer that stops early (the client
 * went away, an error was written) gets `stoppedEarly` called, to close the body rather than leave it half read.
 */
export async function* converseEvents(
  body: AsyncIterable<Uint8Array>,
  stoppedEarly: () => void = () => {},
): AsyncGenerator<ConverseStreamOutput> {
  let pending: Buffer = Buffer.alloc(0);
  let finished = false;
  try {
    for await (const chunk of body) {
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
      while (pending.length >= 4) {
        const length = pending.readUInt32BE(0);
        if (pending.length < length) break;
        const event = toEvent(codec.decode(pending.subarray(0, length)));
        pending = pending.subarray(length);
        if (event) yield event;
      }
    }
    if (pending.length > 0) throw new Error("Truncated event message received.");
    finished = true;
  } finally {
    if (!finished) stoppedEarly();
  }
}
