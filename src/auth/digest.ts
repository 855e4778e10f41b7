import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Secret salt of this process: a digest is worthless outside it, and no table of digests can be
 * computed in advance. HMAC-SHA-256 keyed with it is the only form in which Aegis keeps a key.
 */
const salt = randomBytes(32);

export function digestKey(key: string): Buffer {
  return createHmac("sha256", salt).update(key, "utf8").digest();
}

/**
 * Whether `digest` equals one of `accepted`. Every digest is compared, all of the same length, with
 * `timingSafeEqual`: the time taken says nothing about which bytes matched or how many keys did.
 */
export function matchesAny(digest: Buffer, accepted: readonly Buffer[]): boolean {
  let matched = false;
  for (const candidate of accepted) matched = timingSafeEqual(digest, candidate) || matched;
  return matched;
}
