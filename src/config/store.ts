import * as z from "zod";
import { envOptionalString, secretSetting, setting } from "./define.js";
import { SecretBytes } from "./secret.js";

/**
 * A Redis URL, kept as bytes (it may carry an auth token). Only its shape is checked here; the error
 * messages name what is wrong without quoting the URL.
 */
const envRedisUrl = () =>
  z
    .string()
    .optional()
    .transform((value, ctx): SecretBytes | undefined => {
      if (value === undefined || value.trim() === "") return undefined;
      let url: URL;
      try {
        url = new URL(value.trim());
      } catch {
        ctx.addIssue({
          code: "custom",
          message: "is not a URL (expected redis://host:port or rediss://host:port)",
        });
        return z.NEVER;
      }
      if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
        ctx.addIssue({ code: "custom", message: "must start with redis:// or rediss:// (TLS)" });
        return z.NEVER;
      }
      if (url.hostname === "") {
        ctx.addIssue({ code: "custom", message: "names no host" });
        return z.NEVER;
      }
      if (url.pathname !== "" && url.pathname !== "/" && !/^\/\d{1,2}$/.test(url.pathname)) {
        ctx.addIssue({ code: "custom", message: "path must be a database number, e.g. /0" });
        return z.NEVER;
      }
      return new SecretBytes(value.trim());
    });

export const storeSettings = {
  REDIS_URL: secretSetting(
    envRedisUrl(),
    "Redis or Valkey shared by every gateway instance (redis://[user:token@]host:port[/db], rediss:// for TLS as ElastiCache requires). Unset: shared state stays in each process's memory. Removed from the environment once read.",
  ),
  REDIS_URL_SECRETSMANAGER_SECRET: setting(
    envOptionalString(),
    "Secrets Manager secret (name or ARN) holding the Redis auth token (a plain string, or a JSON object with an auth_token field), read at startup; it replaces any password in REDIS_URL.",
  ),
};
