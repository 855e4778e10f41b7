import type { KeyDigests } from "../accepted-keys.js";

/** Where the API key lives. Reading returns digests, so plain keys never leave the source. */
export interface KeySource {
  /** Names the source in messages, e.g. `SSM parameter "/aegis/api-key"`. Never contains the key. */
  description: string;
  read(): Promise<KeyDigests>;
  close(): void;
}

/** A read that failed; the message says which source and what went wrong, never the value. */
export class KeySourceError extends Error {
  override name = "KeySourceError";
  constructor(description: string, problem: string, what = "API key") {
    super(`cannot read the ${what} from ${description}: ${problem}`);
  }
}

/** A read that takes longer is given up (at startup, the gateway must not hang before listening). */
export const readTimeoutMs = 10_000;

/** One line about an AWS SDK failure, for an operator: the service's own words, never a key. */
export function describeAwsFailure(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  if (name === "TimeoutError") return `no answer within ${readTimeoutMs / 1000} s`;
  if (name === "ParameterNotFound" || name === "ResourceNotFoundException") return "it does not exist";
  const text = `${name ?? "Error"}: ${message ?? ""}`.replace(/\s+/g, " ").trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
