import type * as z from "zod";
import { invalidRequest } from "../errors.js";

/** "messages[0].content" style paths, as OpenAI and Anthropic name fields in their errors. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Parse a request body with a zod schema; the first problem becomes a 400 that names the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidRequest("Request body must be a JSON object.");
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue ? fieldPath(issue.path) : "";
  const detail = issue?.message ?? "invalid value";
  throw invalidRequest(param ? `Invalid value for '${param}': ${detail}` : detail, param || null);
}
