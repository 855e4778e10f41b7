import { randomFillSync } from "node:crypto";

/**
 * Random identifiers (completion and message ids) from a pool of CSPRNG bytes refilled 6 KiB at a time:
 * one randomBytes() call per id costs more than everything else in building an answer.
 */
const pool = Buffer.alloc(6144);
let offset = pool.length;

/** `bytes` random bytes as base64url. */
export function randomId(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + bytes);
  offset += bytes;
  return id;
}
