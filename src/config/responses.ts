import * as z from "zod";
import { envByteSize, envInteger, setting } from "./define.js";
import type { SecretBytes } from "./secret.js";

export const responsesSettings = {
  RESPONSES_STORE: setting(
    z
      .string()
      .trim()
      .toLowerCase()
      .optional()
      .transform((value) => (value === undefined || value === "" ? "auto" : value))
      .pipe(z.enum(["auto", "memory", "redis", "none"])),
    "Where stored Responses (`store: true`, `previous_response_id`) live: `auto` (Redis when REDIS_URL is set, else memory), `memory` (this process only), `redis` (needs REDIS_URL), or `none` (nothing is stored; `store: true` gets a 400).",
  ),
  RESPONSES_STORE_TTL_SECONDS: setting(
    envInteger(30 * 24 * 3600, 1, 365 * 24 * 3600),
    "How long a stored response lives, in seconds (Redis keys expire with it too); OpenAI keeps them 30 days.",
  ),
  RESPONSES_STORE_MAX_ENTRIES: setting(
    envInteger(10_000, 1, 10_000_000),
    "Most responses the in-memory store keeps; the oldest go first past it.",
  ),
  RESPONSES_STORE_MAX_BYTES: setting(
    envByteSize(256 * 1024 ** 2),
    "Most bytes (serialised JSON) the in-memory store keeps; the oldest go first past it. One response larger than this is not stored (400).",
    "256MiB",
  ),
};

/** Settings that only make sense together. */
export function responsesSettingsProblem(values: {
  RESPONSES_STORE: string;
  REDIS_URL?: SecretBytes | undefined;
}): string | undefined {
  if (values.RESPONSES_STORE === "redis" && values.REDIS_URL === undefined) {
    return "RESPONSES_STORE: is redis, but REDIS_URL is not set";
  }
  return undefined;
}
