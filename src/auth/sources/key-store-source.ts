import { readFile } from "node:fs/promises";
import { KeyStore, KeyStoreError } from "../key-store.js";
import { KeySourceError } from "./source.js";

/** Where the key store document lives. Reading parses it; a read that fails throws a KeySourceError. */
export interface KeyStoreSource {
  description: string;
  read(): Promise<KeyStore>;
  close(): void;
}

export const storeWhat = "API key store";

/** Reads the document's text with `readText` and parses it, naming the source in every problem. */
export function keyStoreSource(
  description: string,
  readText: () => Promise<string>,
  close: () => void = () => {},
): KeyStoreSource {
  return {
    description,
    async read() {
      const text = await readText();
      try {
        return KeyStore.parse(text);
      } catch (error) {
        if (error instanceof KeyStoreError) throw new KeySourceError(description, error.message, storeWhat);
        throw error;
      }
    },
    close,
  };
}

export function fileKeyStoreSource(path: string): KeyStoreSource {
  const description = `file "${path}"`;
  return keyStoreSource(description, async () => {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const problem = code === "ENOENT" ? "it does not exist" : (code ?? (error as Error).name);
      throw new KeySourceError(description, problem, storeWhat);
    }
  });
}
