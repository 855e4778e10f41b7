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
 * One whole frame (4-byte total length, 4-byte headers length, prelude CRC32, headers, payload, message CRC32)
 * read in place: the headers and payload are sliced once from the buffer, with no intermediate views or copies.
 * Undefined for a frame that is not well formed (a checksum that does not match, an unknown header type, a
 * length out of bounds): the caller lets the SDK's codec decode that one, so it fails with the codec's own error.
 */
export function readEventFrame(frame: Buffer): EventFrame | undefined {
  const length = frame.length;
  if (length < 16 || frame.readUInt32BE(0) !== length) return undefined;
  const headersLength = frame.readUInt32BE(4);
  const payloadEnd = length - 4;
  const headersEnd = 12 + headersLength;
  if (headersEnd > payloadEnd) return undefined;
  if (crc32(frame.subarray(0, 8)) !== frame.readUInt32BE(8)) return undefined;
  if (crc32(frame.subarray(0, payloadEnd)) !== frame.readUInt32BE(payloadEnd)) return undefined;
  const headers: Record<string, string> = {};
  let at = 12;
  while (at < headersEnd) {
    const nameEnd = at + 1 + (frame[at] as number);
    if (nameEnd >= headersEnd) return undefined;
    const type = frame[nameEnd] as number;
    let valueAt = nameEnd + 1;
    let valueLength = fixedValueLength[type];
    if (valueLength === undefined) return undefined;
    if (valueLength < 0) {
      if (valueAt + 2 > headersEnd) return undefined;
      valueLength = frame.readUInt16BE(valueAt);
      valueAt += 2;
    }
    const next = valueAt + valueLength;
    if (next > headersEnd) return undefined;
    if (type === STRING) {
      headers[frame.toString("utf8", at + 1, nameEnd)] = frame.toString("utf8", valueAt, next);
    }
    at = next;
  }
  return { headers, payload: frame.toString("utf8", headersEnd, payloadEnd) };
}
