import { inspect } from "node:util";
import * as z from "zod";

/**
 * A secret setting kept as bytes, not as a string: heap snapshots include the text of live strings
 * but not the contents of buffers, and this wrapper prints as "[redacted]" in logs and errors.
 */
export class SecretBytes {
  readonly #bytes: Buffer;

  constructor(value: string) {
    this.#bytes = Buffer.from(value, "utf8");
  }

  /** The secret itself; pass it on as a Buffer, never turn it into a string that outlives the call. */
  bytes(): Buffer {
    return this.#bytes;
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [inspect.custom](): string {
    return "SecretBytes([redacted])";
  }
}

/** An optional secret environment variable. */
export const envSecret = () =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === "" ? undefined : new SecretBytes(value)));
