import { createHash, randomBytes } from "node:crypto";

/**
 * A key store document of `size` entries for the benches: one of them for `key`, with limits generous enough
 * never to be reached, the others random keys nobody presents.
 */
export function keyStoreWith(key: string, size: number): string {
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  const entries: unknown[] = Array.from({ length: size - 1 }, (_, index) => ({
    name: `team-${index}`,
    sha256: sha256(randomBytes(32).toString("base64url")),
    rpm: 1000,
  }));
  entries.push({
    name: "bench",
    sha256: sha256(key),
    rpm: 10_000_000,
    tpm: 1_000_000_000,
    max_concurrent: 64,
  });
  return JSON.stringify(entries);
}
