import * as z from "zod";
import { envBoolean, envInteger, setting } from "./define.js";

/** A file path or AWS name that, once set, must not be blank (a blank store would otherwise be no store). */
const envStoreName = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      if (value.trim() === "") {
        ctx.addIssue({ code: "custom", message: `is set but empty (unset ${name} to use no key store)` });
        return z.NEVER;
      }
      return value.trim();
    });

/** Named API keys (the key store) and the limits enforced on them. See "Named keys and limits" in the README. */
export const keySettings = {
  API_KEYS_FILE: setting(
    envStoreName("API_KEYS_FILE"),
    "JSON file holding the key store: a list of named keys as SHA-256 digests with their scopes and limits. Re-read every API_KEY_REFRESH_SECONDS.",
  ),
  API_KEYS_SSM_PARAMETER: setting(
    envStoreName("API_KEYS_SSM_PARAMETER"),
    "SSM parameter (name or ARN) holding the key store document, read with decryption. It must exist at startup.",
  ),
  API_KEYS_SECRETSMANAGER_SECRET: setting(
    envStoreName("API_KEYS_SECRETSMANAGER_SECRET"),
    "Secrets Manager secret (name or ARN) whose string is the key store document. It must exist at startup.",
  ),
  AUTH_FAILURE_LIMIT_PER_MINUTE: setting(
    envInteger(30, 0, 1_000_000),
    "Failed authentications (a wrong key) allowed per client IP per minute; past it, that IP gets 429 before any key is compared. 0 turns it off.",
  ),
  RATE_LIMIT_FAIL_OPEN: setting(
    envBoolean(false),
    "When the shared limit store (REDIS_URL) is unreachable: false refuses limited keys with 503; true serves them unlimited and logs.",
  ),
};

type KeyStoreValues = {
  REDIS_URL?: unknown;
  REDIS_URL_SECRETSMANAGER_SECRET?: string | undefined;
  API_KEYS_FILE: string | undefined;
  API_KEYS_SSM_PARAMETER: string | undefined;
  API_KEYS_SECRETSMANAGER_SECRET: string | undefined;
};

/** Names of the configured key store sources (at most one may be set). */
export function keyStoreSources(values: KeyStoreValues): string[] {
  return (["API_KEYS_FILE", "API_KEYS_SSM_PARAMETER", "API_KEYS_SECRETSMANAGER_SECRET"] as const).filter(
    (name) => values[name] !== undefined,
  );
}

export function keySettingsProblem(values: KeyStoreValues): string | undefined {
  const sources = keyStoreSources(values);
  if (sources.length > 1) return `${sources.join(", ")}: set only one key store source`;
  if (values.REDIS_URL_SECRETSMANAGER_SECRET !== undefined && values.REDIS_URL === undefined) {
    return "REDIS_URL_SECRETSMANAGER_SECRET: is set, but REDIS_URL is not";
  }
  return undefined;
}
