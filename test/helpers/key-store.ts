import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A store key as `aegis-keys create` makes them. */
export const storeKey = () => `aegis_${randomBytes(32).toString("base64url")}`;
export const sha256 = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

/** A key store file in a temporary directory of its own; `write` replaces its entries, `remove` deletes it all. */
export async function keyStoreFile(entries: unknown[] = []) {
  const directory = await mkdtemp(join(tmpdir(), `aegis-keys-${process.pid}-`));
  const path = join(directory, "keys.json");
  const write = (next: unknown[] | string) =>
    writeFile(path, typeof next === "string" ? next : JSON.stringify(next));
  await write(entries);
  return { path, write, remove: () => rm(directory, { recursive: true, force: true }) };
}
