import * as z from "zod";
import { prepareKey } from "../auth/key-rules.js";
import { envInteger, secretSetting, setting } from "./define.js";

/** The API key from the environment, kept only as its salted digest: the plain value never enters the config. */
const envApiKey = () =>
  z
    .string()
    .optional()
    .transform((value, ctx): Buffer | undefined => {
      if (value === undefined) return undefined;
      const prepared = prepareKey(value);
      if ("problem" in prepared) {
        ctx.addIssue({
          code: "custom",
          message: `${prepared.problem} (unset API_KEY to turn authentication off)`,
        });
        return z.NEVER;
      }
      return prepared.digest;
    });

/** A name that, once set, must not be blank: a blank source would otherwise turn authentication off silently. */
const envSourceName = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      if (value.trim() === "") {
        ctx.addIssue({
          code: "custom",
          message: `is set but empty (unset ${name} to turn authentication off)`,
        });
        return z.NEVER;
      }
      return value.trim();
    });

export const authSettings = {
  API_KEY: secretSetting(
    envApiKey(),
    "The API key itself, for development (prefer SSM or Secrets Manager). Removed from the environment once read; only a salted digest is kept.",
  ),
  API_KEY_SSM_PARAMETER: setting(
    envSourceName("API_KEY_SSM_PARAMETER"),
    "SSM parameter (name or ARN) holding the API key, read with decryption. It must exist at startup.",
  ),
  API_KEY_SECRETSMANAGER_SECRET: setting(
    envSourceName("API_KEY_SECRETSMANAGER_SECRET"),
    "Secrets Manager secret (name or ARN) holding the API key as a plain string or a JSON object. It must exist at startup.",
  ),
  API_KEY_SECRETSMANAGER_KEY: setting(
    envSourceName("API_KEY_SECRETSMANAGER_KEY"),
    "Field of the JSON secret that holds the key.",
    "api_key",
  ),
  API_KEY_REFRESH_SECONDS: setting(
    envInteger(300, 0, 86_400),
    "How often an SSM or Secrets Manager key, and the key store (API_KEYS_*), are re-read, so a rotated, added or revoked key takes effect without a restart. 0 turns it off.",
  ),
  API_KEY_ROTATION_GRACE_SECONDS: setting(
    envInteger(300, 0, 604_800),
    "How long the previous key stays valid once a refresh finds a new one.",
  ),
};

type AuthValues = {
  API_KEY: Buffer | undefined;
  API_KEY_SSM_PARAMETER: string | undefined;
  API_KEY_SECRETSMANAGER_SECRET: string | undefined;
  API_KEY_SECRETSMANAGER_KEY: string | undefined;
};

/** What is wrong with the combination of authentication settings, naming the variables, or undefined. */
export function authSettingsProblem(values: AuthValues): string | undefined {
  const sources = (["API_KEY", "API_KEY_SSM_PARAMETER", "API_KEY_SECRETSMANAGER_SECRET"] as const).filter(
    (name) => values[name] !== undefined,
  );
  if (sources.length > 1) return `${sources.join(", ")}: set only one API key source`;
  if (values.API_KEY_SECRETSMANAGER_KEY !== undefined && values.API_KEY_SECRETSMANAGER_SECRET === undefined) {
    return "API_KEY_SECRETSMANAGER_KEY: is set, but API_KEY_SECRETSMANAGER_SECRET is not";
  }
  return undefined;
}
