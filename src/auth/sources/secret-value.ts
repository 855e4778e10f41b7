import { type PreparedKey, prepareKey } from "../key-rules.js";

export interface SecretValue {
  SecretString?: string | undefined;
  SecretBinary?: Uint8Array | undefined;
}

/**
 * The key in a Secrets Manager value: the whole string, or field `field` when the string is a JSON
 * object. Problems never quote the value (nor a JSON parser's message, which would).
 */
export function keyOfSecret(value: SecretValue, field: string): PreparedKey {
  const text = value.SecretString;
  if (text === undefined) {
    return {
      problem:
        value.SecretBinary !== undefined
          ? "it is a binary secret; store the key as a string"
          : "it has no value",
    };
  }
  if (!text.trimStart().startsWith("{")) return prepareKey(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: "it starts with { but is not valid JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { problem: "it is not a JSON object" };
  }
  const key = (parsed as Record<string, unknown>)[field];
  if (key === undefined) return { problem: `the JSON object has no field "${field}"` };
  if (typeof key !== "string") return { problem: `field "${field}" is not a string` };
  const prepared = prepareKey(key);
  return "problem" in prepared ? { problem: `field "${field}": ${prepared.problem}` } : prepared;
}
