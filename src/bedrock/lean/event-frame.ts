import { crc32 } from "node:zlib";

/** The parts of one AWS event-stream frame the Converse stream reads: its string headers and its payload. */
export interface EventFrame {
  /** Only the headers of type string (`:message-type`, `:event-type`, …); other types are skipped. */
  headers: Record<string, string>;
  payload: string;
}

/** Bytes taken by the value of each header type (AWS event-stream encoding), -1 for length-prefixed ones. */
const fixedValueLength = [0, 0, 1, 2, 4, 8, -1, -1, 8, 16];
const STRING = 7;

/**
 * The header names and values every ConverseStream frame repeats, handed out as the same strings instead of
 * decoding new ones: a frame's three headers would otherwise cost six string allocations, more than its
 * JSON payload. Any other text is decoded as usual, so what is read is the same either way.
 */
const repeated = new Map<number, { text: string; bytes: Buffer }[]>();
for (const text of [
  ":message-type",
  ":event-type",
  ":content-type",
  ":exception-type",
  "event",
  "exception",
  "application/json",
  "messageStart",
  "contentBlockStart",
  "contentBlockDelta",
  "contentBlockStop",
  "messageStop",
  "metadata",
]) {
  const bytes = Buffer.from(text, "utf8");
  repeated.set(bytes.length, [...(repeated.get(bytes.length) ?? []), { text, bytes }]);
}

function textAt(frame: Buffer, start: number, end: number): string {
  const candidates = repeated.get(end - start);
  if (candidates !== undefined) {
    for (const { text, bytes } of candidates) {
      let at = 0;
      while (at < bytes.length && bytes[at] === frame[start + at]) at++;
      if (at === bytes.length) return text;
    }
  }
  return frame.toString("utf8", start, end);
}

/**
 * One whole frame (4-byte total length, 4-byte headers length, prelude CRC32, headers, payload, message CRC32)
 * read in place from `bytes` at `start`: the headers and payload are decoded once from the buffer, with no
 * copies. Undefined for a frame that is not well formed (a checksum that does not match, an unknown header
 * type, a length out of bounds): the caller lets the SDK's codec decode that one, so it fails with the codec's
 * own error.
 */
export function readEventFrame(bytes: Buffer, start = 0): EventFrame | undefined {
  const available = bytes.length - start;
  if (available < 16) return undefined;
  const length = bytes.readUInt32BE(start);
  if (length < 16 || length > available) return undefined;
  const headersLength = bytes.readUInt32BE(start + 4);
  const payloadEnd = start + length - 4;
  const headersEnd = start + 12 + headersLength;
  if (headersEnd > payloadEnd) return undefined;
  if (crc32(bytes.subarray(start, start + 8)) !== bytes.readUInt32BE(start + 8)) return undefined;
  if (crc32(bytes.subarray(start, payloadEnd)) !== bytes.readUInt32BE(payloadEnd)) return undefined;
  const headers: Record<string, string> = {};
  let at = start + 12;
  while (at < headersEnd) {
    const nameEnd = at + 1 + (bytes[at] as number);
    if (nameEnd >= headersEnd) return undefined;
    const type = bytes[nameEnd] as number;
    let valueAt = nameEnd + 1;
    let valueLength = fixedValueLength[type];
    if (valueLength === undefined) return undefined;
    if (valueLength < 0) {
      if (valueAt + 2 > headersEnd) return undefined;
      valueLength = bytes.readUInt16BE(valueAt);
      valueAt += 2;
    }
    const next = valueAt + valueLength;
    if (next > headersEnd) return undefined;
    if (type === STRING) headers[textAt(bytes, at + 1, nameEnd)] = textAt(bytes, valueAt, next);
    at = next;
  }
  return { headers, payload: bytes.toString("utf8", headersEnd, payloadEnd) };
}
