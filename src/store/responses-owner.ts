import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Who owns a stored response: a SHA-256 digest of the API key that created it, so the store never holds
 * the key itself. Unlike the per-process HMAC of src/auth/digest.ts, this digest must be the same in every
 * gateway instance sharing a Redis, hence a plain, domain-separated hash (API keys are long random strings).
 * "" when authentication is off: then everyone is the same caller.
 */
export function ownerOf(key: string | undefined): string {
  if (key === undefined) return "";
  return createHash("sha256").update("aegis responses owner\0").update(key, "utf8").digest("hex");
}

/** Constant-time comparison of two owners. */
export function sameOwner(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}
