/**
 * CRC-32 (IEEE, as zlib and AWS event-stream compute it) of `bytes[start, end)`, eight bytes per step
 * ("slicing by 8"). Written here rather than calling `zlib.crc32` because an event-stream frame is short
 * (about 150 bytes): the native call costs more than the checksum (about 230 ns per frame, plus a Buffer view
 * for each range, against about 140 ns here), and every streamed delta checks two of them.
 */
const table = new Int32Array(256 * 8);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  table[n] = c;
}
for (let slice = 1; slice < 8; slice++) {
  for (let n = 0; n < 256; n++) {
    const previous = table[(slice - 1) * 256 + n] as number;
    table[slice * 256 + n] = (previous >>> 8) ^ (table[previous & 0xff] as number);
  }
}

export function crc32(bytes: Uint8Array, start: number, end: number): number {
  let crc = -1;
  let at = start;
  for (; at + 8 <= end; at += 8) {
    const low =
      crc ^
      ((bytes[at] as number) |
        ((bytes[at + 1] as number) << 8) |
        ((bytes[at + 2] as number) << 16) |
        ((bytes[at + 3] as number) << 24));
    crc =
      (table[1792 + (low & 0xff)] as number) ^
      (table[1536 + ((low >>> 8) & 0xff)] as number) ^
      (table[1280 + ((low >>> 16) & 0xff)] as number) ^
      (table[1024 + (low >>> 24)] as number) ^
      (table[768 + (bytes[at + 4] as number)] as number) ^
      (table[512 + (bytes[at + 5] as number)] as number) ^
      (table[256 + (bytes[at + 6] as number)] as number) ^
      (table[bytes[at + 7] as number] as number);
  }
  for (; at < end; at++) crc = (table[(crc ^ (bytes[at] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}
