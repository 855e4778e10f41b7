import { randomBytes } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { EventStreamCodec, Int64 } from "@smithy/eventstream-codec";
import type { MessageHeaders } from "@smithy/types";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/bedrock/lean/crc32.js";
import { readEventFrame } from "../../src/bedrock/lean/event-frame.js";

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Every header type the encoding has, around the string headers the stream reads. */
const headers: MessageHeaders = {
  yes: { type: "boolean", value: true },
  no: { type: "boolean", value: false },
  ":message-type": { type: "string", value: "event" },
  byte: { type: "byte", value: -3 },
  short: { type: "short", value: 300 },
  int: { type: "integer", value: 70_000 },
  long: { type: "long", value: Int64.fromNumber(5_000_000_000) },
  bytes: { type: "binary", value: new Uint8Array([0, 1, 2, 255]) },
  when: { type: "timestamp", value: new Date(1_764_000_000_000) },
  id: { type: "uuid", value: "781f3d4b-4f3e-4c8b-a2a8-6e8a2f9c1d0e" },
  ":event-type": { type: "string", value: "contentBlockDelta" },
  héllo: { type: "string", value: "wörld 🙂" },
};

const stringHeaders = (all: MessageHeaders) =>
  Object.fromEntries(
    Object.entries(all).flatMap(([name, header]) => (header.type === "string" ? [[name, header.value]] : [])),
  );

describe("readEventFrame", () => {
  it.each(['{"delta":{"text":"Hi \\"there\\" 中文"}}', ""])(
    "reads the string headers and payload the SDK's codec reads (payload %j)",
    (payload) => {
      const bytes = Buffer.from(codec.encode({ headers, body: fromUtf8(payload) }));
      const decoded = codec.decode(bytes);
      expect(readEventFrame(bytes)).toEqual({
        headers: stringHeaders(decoded.headers),
        payload: toUtf8(decoded.body),
      });
      expect(readEventFrame(bytes)?.headers).toEqual(stringHeaders(headers));
    },
  );

  it("refuses a frame whose checksums or lengths are wrong, for the codec to report", () => {
    const whole = Buffer.from(codec.encode({ headers, body: fromUtf8("{}") }));
    for (const at of [9, 20, whole.length - 6, whole.length - 1]) {
      const corrupted = Buffer.from(whole);
      corrupted.writeUInt8((corrupted[at] as number) ^ 0xff, at);
      expect(readEventFrame(corrupted)).toBeUndefined();
      expect(() => codec.decode(corrupted)).toThrow(/checksum/);
    }
    expect(readEventFrame(whole.subarray(0, whole.length - 1))).toBeUndefined();
    expect(readEventFrame(whole.subarray(0, 10))).toBeUndefined();
  });

  it("reads a frame where it starts among others, and near misses of the headers every frame repeats", () => {
    // Same lengths as ":event-type", "contentBlockDelta", "application/json" and "event", one byte off.
    const nearMisses: MessageHeaders = {
      ":message-type": { type: "string", value: "evenu" },
      ":event-typf": { type: "string", value: "contentBlockDeltb" },
      ":content-type": { type: "string", value: "application/jsoo" },
    };
    const first = Buffer.from(codec.encode({ headers, body: fromUtf8('{"a":1}') }));
    const second = Buffer.from(codec.encode({ headers: nearMisses, body: fromUtf8('{"b":2}') }));
    const both = Buffer.concat([first, second]);
    expect(readEventFrame(both, 0)).toEqual(readEventFrame(first));
    expect(readEventFrame(both, first.length)).toEqual({
      headers: stringHeaders(codec.decode(second).headers),
      payload: '{"b":2}',
    });
    expect(readEventFrame(both, first.length)?.headers).toEqual(stringHeaders(nearMisses));
    // A frame cut short at the end of the buffer is refused.
    expect(readEventFrame(both.subarray(0, both.length - 1), first.length)).toBeUndefined();
  });

  it("reads a header block it has seen before as it reads it the first time, and a near miss as itself", () => {
    const repeatedOnly: MessageHeaders = {
      ":message-type": { type: "string", value: "event" },
      ":event-type": { type: "string", value: "contentBlockDelta" },
      ":content-type": { type: "string", value: "application/json" },
    };
    // The same byte length as repeatedOnly, one byte off in a value: must not be taken for the block seen.
    const nearMiss: MessageHeaders = {
      ...repeatedOnly,
      ":event-type": { type: "string", value: "contentBlockDeltb" },
    };
    const frame = (all: MessageHeaders, payload: string) =>
      Buffer.from(codec.encode({ headers: all, body: fromUtf8(payload) }));
    for (let round = 0; round < 3; round++) {
      expect(readEventFrame(frame(repeatedOnly, `{"n":${round}}`))).toEqual({
        headers: stringHeaders(repeatedOnly),
        payload: `{"n":${round}}`,
      });
      expect(readEventFrame(frame(nearMiss, "{}"))?.headers).toEqual(stringHeaders(nearMiss));
    }
  });
});

describe("crc32", () => {
  it("is zlib's CRC-32 of any range", () => {
    const bytes = randomBytes(600);
    for (let start = 0; start < 20; start++) {
      for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 63, 150, 511]) {
        const end = start + length;
        expect(crc32(bytes, start, end)).toBe(zlibCrc32(bytes.subarray(start, end)));
      }
    }
  });
});
