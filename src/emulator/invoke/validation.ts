import { EmulatedError } from "../exceptions.js";

/**
 * Bedrock checks InvokeModel bodies against each model's JSON schema and answers a ValidationException
 * worded like these; the emulator's families share the wording so gateways see what they would see live.
 */
export function malformed(detail: string): EmulatedError {
  return new EmulatedError(
    "ValidationException",
    `Malformed input request: ${detail}, please reformat your input and try again.`,
    400,
  );
}

/** The body as an object whose keys are all in `allowed` (the real schemas refuse extraneous keys). */
export function requireFields(
  body: unknown,
  allowed: ReadonlySet<string>,
  at = "#",
): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw malformed(`${at}: expected type: JSONObject`);
  }
  const fields = body as Record<string, unknown>;
  const extraneous = Object.keys(fields).find((key) => !allowed.has(key));
  if (extraneous) throw malformed(`${at}: extraneous key [${extraneous}] is not permitted`);
  return fields;
}

/** A value that must be one of `allowed`; undefined gives `fallback`, or an error when there is none. */
export function requireEnum<T>(value: unknown, allowed: readonly T[], at: string, fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (value === undefined) throw malformed(`#: required key [${at.split("/").pop()}] not found`);
  if (!allowed.includes(value as T))
    throw malformed(`${at}: ${JSON.stringify(value)} is not a valid enum value`);
  return value as T;
}
