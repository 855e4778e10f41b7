import type * as z from "zod";
import { invalidRequest } from "../errors.js";
import { fieldPath } from "./field-path.js";
import { checkJsonDepth } from "./json-depth.js";

export { fieldPath };

/**
 * Parse a request body with a zod schema; the first problem becomes a 400 that names the field.
 * Nesting deeper than MAX_JSON_DEPTH is refused first, before anything walks the body recursively.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidRequest("Request body must be a JSON object.");
  }
  checkJsonDepth(body);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue ? fieldPath(issue.path) : "";
  const detail = issue?.message ?? "invalid value";
  throw invalidRequest(param ? `Invalid value for '${param}': ${detail}` : detail, param || null);
}
