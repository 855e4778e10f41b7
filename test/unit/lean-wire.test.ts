import {
  BedrockRuntimeServiceException,
  ConverseResponse$,
  ModelStreamErrorException,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-runtime";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import type { MessageHeaders } from "@smithy/types";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { describe, expect, it } from "vitest";
import { mapBedrockError } from "../../src/bedrock/errors.js";
import { blobPlan, blobReplacer, decodeBlobs, holdsBytes } from "../../src/bedrock/lean/blobs.js";
import { converseEvents } from "../../src/bedrock/lean/event-stream.js";
import { serviceException } from "../../src/bedrock/lean/exceptions.js";

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const text = (value: string) => ({ type: "string" as const, value });

function frame(headers: MessageHeaders, payload: unknown): Uint8Array {
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}
const event = (type: string, payload: unknown) =>
  frame(
    { ":message-type": text("event"), ":event-type": text(type), ":content-type": text("application/json") },
    payload,
  );

/** The bytes cut into pieces of `size`, as a network would deliver them. */
async function* chunks(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(source: AsyncIterable<unknown>) {
  const out: unknown[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe("event-stream decoding", () => {
  const stream = Buffer.concat([
    event("messageStart", { role: "assistant", p: "padding" }),
    event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hel" } }),
    event("someFutureEvent", { anything: 1 }),
    event("contentBlockDelta", {
      contentBlockIndex: 1,
      delta: { reasoningContent: { redactedContent: Buffer.from("secret").toString("base64") } },
    }),
    event("messageStop", { stopReason: "end_turn" }),
  ]);

  it.each([1, 7, 64, 100_000])(
    "yields the SDK's event objects whatever the chunking (%i bytes)",
    async (size) => {
      const events = await collect(converseEvents(chunks(stream, size)));
      expect(events).toEqual([
        { messageStart: { role: "assistant", p: "padding" } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hel" } } },
        {
          contentBlockDelta: {
            contentBlockIndex: 1,
            delta: { reasoningContent: { redactedContent: new Uint8Array(Buffer.from("secret")) } },
          },
        },
        { messageStop: { stopReason: "end_turn" } },
      ]);
    },
  );

  it("throws a modelled exception event as the SDK's exception class", async () => {
    const failing = Buffer.concat([
      event("messageStart", { role: "assistant" }),
      frame(
        { ":message-type": text("exception"), ":exception-type": text("modelStreamErrorException") },
        { message: "the model broke", originalStatusCode: 500 },
      ),
    ]);
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const item of converseEvents(chunks(failing, 5))) seen.push(item);
    })().catch((caught: unknown) => caught);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(ModelStreamErrorException);
    expect(error).toMatchObject({
      name: "ModelStreamErrorException",
      message: "the model broke",
      originalStatusCode: 500,
    });
    expect(mapBedrockError(error).status).toBe(502);
  });

  it("throws an exception the SDK does not model as an Error named after it", async () => {
    const unknown = frame(
      { ":message-type": text("exception"), ":exception-type": text("brandNewException") },
      {
        message: "new",
      },
    );
    const error = await collect(converseEvents(chunks(unknown, 10))).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "brandNewException", message: '{"message":"new"}' });
  });

  it("refuses a truncated stream and a corrupted frame", async () => {
    const whole = event("messageStart", { role: "assistant" });
    await expect(collect(converseEvents(chunks(whole.subarray(0, whole.length - 3), 4)))).rejects.toThrow(
      /Truncated/,
    );
    const corrupted = Buffer.from(whole);
    corrupted.writeUInt8(corrupted.readUInt8(corrupted.length - 6) ^ 0xff, corrupted.length - 6);
    await expect(collect(converseEvents(chunks(corrupted, 4)))).rejects.toThrow(/checksum/);
  });
});

describe("error answers", () => {
  it("become the SDK's exception, with metadata and retry-after for mapBedrockError", () => {
    const error = serviceException(
      429,
      {
        "x-amzn-errortype": "ThrottlingException:http://internal/",
        "x-amzn-requestid": "req-1",
        "retry-after": "3",
      },
      JSON.stringify({ message: "Too many requests" }),
    );
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(error).toMatchObject({
      name: "ThrottlingException",
      message: "Too many requests",
      $fault: "client",
      $metadata: { httpStatusCode: 429, requestId: "req-1" },
    });
    expect(Object.keys(error)).not.toContain("$response");
    const mapped = mapBedrockError(error);
    expect([mapped.status, mapped.retryAfter]).toEqual([429, 3]);
  });

  it("keep an unknown error's name and status, and survive a body that is not JSON", () => {
    const error = serviceException(502, {}, "<html>bad gateway</html>");
    expect(error).toBeInstanceOf(BedrockRuntimeServiceException);
    expect(error).toMatchObject({ name: "Unknown", message: "UnknownError", $fault: "server" });
    expect(mapBedrockError(error).status).toBe(502);
    const coded = serviceException(
      400,
      {},
      JSON.stringify({ __type: "com.amazon#SomethingNewException", Message: "new" }),
    );
    expect(coded).toMatchObject({ name: "SomethingNewException", message: "new" });
  });
});

describe("blobs", () => {
  it("are decoded where the SDK's schema has them, and nowhere else", () => {
    const answer = {
      output: {
        message: {
          role: "assistant",
          content: [
            { text: "aGVsbG8=" },
            { reasoningContent: { redactedContent: "aGVsbG8=" } },
            { image: { format: "png", source: { bytes: "AAEC" } } },
            { toolUse: { toolUseId: "t", name: "n", input: { bytes: "AAEC" } } },
          ],
        },
      },
      stopReason: "end_turn",
    };
    decodeBlobs(answer, blobPlan(ConverseResponse$));
    const content = answer.output.message.content as Record<string, unknown>[];
    expect(content[0]).toEqual({ text: "aGVsbG8=" });
    expect(content[1]).toEqual({
      reasoningContent: { redactedContent: new Uint8Array(Buffer.from("hello")) },
    });
    expect(content[2]).toEqual({ image: { format: "png", source: { bytes: new Uint8Array([0, 1, 2]) } } });
    expect(content[3]).toEqual({ toolUse: { toolUseId: "t", name: "n", input: { bytes: "AAEC" } } });
  });

  it("are sent as base64, from Uint8Array and Buffer alike", () => {
    const body = { a: new Uint8Array([0, 1, 2]), b: Buffer.from([250, 255]), c: [{ d: "text" }] };
    expect(JSON.parse(JSON.stringify(body, blobReplacer))).toEqual({
      a: "AAEC",
      b: "+v8=",
      c: [{ d: "text" }],
    });
  });

  it("are found wherever a request holds them, so only such requests pay for the replacer", () => {
    const image = { image: { format: "png", source: { bytes: new Uint8Array([0, 1, 2]) } } };
    const document = { document: { name: "d", source: { bytes: Buffer.from("pdf") } } };
    const text = {
      messages: [{ role: "user", content: [{ text: "hi" }] }],
      inferenceConfig: { maxTokens: 5 },
    };
    expect(holdsBytes(text)).toBe(false);
    expect(
      holdsBytes({ ...text, system: [{ text: "s" }], toolConfig: { tools: [{ a: null, b: [1, "x"] }] } }),
    ).toBe(false);
    expect(holdsBytes({ messages: [{ role: "user", content: [{ text: "hi" }, image] }] })).toBe(true);
    expect(
      holdsBytes({ messages: [{ role: "user", content: [{ text: "hi" }] }, { content: [document] }] }),
    ).toBe(true);
    expect(holdsBytes({ messages: [], deep: { x: [[{ y: new Uint8Array(0) }]] } })).toBe(true);
  });
});
