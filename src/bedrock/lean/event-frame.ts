import { crc32 } from "./crc32.js";

/** The parts of one AWS event-stream frame the Converse stream reads: its string headers and its payload. */
export interface EventFrame {
  /** Only the headers of type string (`:message-type`, `:event-type`, …); other types are skipped. */
  headers: Readonly<Record<string, string>>;
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

/** Whether `frame` holds `expected` from `start` on (the caller knows the lengths are equal). */
function holdsAt(frame: Buffer, start: number, expected: Buffer): boolean {
  let at = 0;
  while (at < expected.length && expected[at] === frame[start + at]) at++;
  return at === expected.length;
}

/** A repeated text, or undefined. */
function repeatedAt(frame: Buffer, start: number, end: number): string | undefined {
  const candidates = repeated.get(end - start);
  if (candidates !== undefined) {
    for (const { text, bytes } of candidates) if (holdsAt(frame, start, bytes)) return text;
  }
  return undefined;
}

/**
 * Whole header blocks seen before, made only of repeated texts (string headers), with what they read as:
 * nearly every frame of a stream carries the very bytes of the one before (`:event-type` contentBlockDelta,
 * `:content-type`, `:message-type` event), so comparing them once costs less than reading three headers.
 * Bounded: only blocks of the repeated texts are kept, and at most `knownLimit` of them.
 */
const knownBlocks = new Map<number, { bytes: Buffer; headers: Readonly<Record<string, string>> }[]>();
const knownLimit = 64;
let knownCount = 0;

function knownBlock(frame: Buffer, start: number, end: number): Readonly<Record<string, string>> | undefined {
  const candidates = knownBlocks.get(end - start);
  if (candidates === undefined) return undefined;
  for (const { bytes, headers } of candidates) if (holdsAt(frame, start, bytes)) return headers;
  return undefined;
}

function remember(frame: Buffer, start: number, end: number, headers: Record<string, string>): void {
  if (knownCount >= knownLimit) return;
  knownCount++;
  const bytes = Buffer.from(frame.subarray(start, end));
  knownBlocks.set(end - start, [
    ...(knownBlocks.get(end - start) ?? []),
    { bytes, headers: Object.freeze(headers) },
  ]);
}

/** The string headers of a block, or undefined for a malformed one; `remember`s it if it is all repeated. */
function readHeaders(
  bytes: Buffer,
  start: number,
  end: number,
): Readonly<Record<string, string>> | undefined {
  const headers: Record<string, string> = {};
  let allRepeated = true;
  let at = start;
  while (at < end) {
    const nameEnd = at + 1 + (bytes[at] as number);
    if (nameEnd >= end) return undefined;
    const type = bytes[nameEnd] as number;
    let valueAt = nameEnd + 1;
    let valueLength = fixedValueLength[type];
    if (valueLength === undefined) return undefined;
    if (valueLength < 0) {
      if (valueAt + 2 > end) return undefined;
      valueLength = bytes.readUInt16BE(valueAt);
      valueAt += 2;
    }
    const next = valueAt + valueLength;
    if (next > end) return undefined;
    if (type === STRING) {
      let name = repeatedAt(bytes, at + 1, nameEnd);
      let value = repeatedAt(bytes, valueAt, next);
      if (name === undefined || value === undefined) allRepeated = false;
      name ??= bytes.toString("utf8", at + 1, nameEnd);
      value ??= bytes.toString("utf8", valueAt, next);
      headers[name] = value;
    } else allRepeated = false;
    at = next;
  }
  if (allRepeated) remember(bytes, start, end, headers);
  return headers;
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
  if (crc32(bytes, start, start + 8) !== bytes.readUInt32BE(start + 8)) return undefined;
  if (crc32(bytes, start, payloadEnd) !== bytes.readUInt32BE(payloadEnd)) return undefined;
  const headers = knownBlock(bytes, start + 12, headersEnd) ?? readHeaders(bytes, start + 12, headersEnd);
  if (headers === undefined) return undefined;
  return { headers, payload: bytes.toString("utf8", headersEnd, payloadEnd) };
}
