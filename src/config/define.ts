import * as z from "zod";

/** One environment variable: how to parse it and what it means (the README table is generated from this). */
export interface Setting<T> {
  schema: z.ZodType<T>;
  description: string;
  /** Shown in the README instead of the parsed default. */
  defaultLabel?: string;
  /** A secret: the loader removes it from the environment and never echoes it; the README never shows it. */
  secret?: boolean;
}

export function setting<T>(schema: z.ZodType<T>, description: string, defaultLabel?: string): Setting<T> {
  return defaultLabel === undefined ? { schema, description } : { schema, description, defaultLabel };
}

/** A setting whose value is a secret (see `Setting.secret`); its schema must not return the plain value. */
export function secretSetting<T>(schema: z.ZodType<T>, description: string): Setting<T> {
  return { schema, description, secret: true };
}

export type SettingGroup = Record<string, Setting<unknown>>;
export type SettingValues<G extends SettingGroup> = {
  [K in keyof G]: G[K] extends Setting<infer T> ? T : never;
};

/** "true"/"1"/"yes"/"on" and their opposites; anything else is an error, not silently false. */
export const envBoolean = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      if (["true", "1", "yes", "on"].includes(value)) return true;
      if (["false", "0", "no", "off"].includes(value)) return false;
      ctx.addIssue({ code: "custom", message: `expected true or false, got "${value}"` });
      return z.NEVER;
    });

export const envInteger = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      if (!/^-?\d+$/.test(value)) {
        ctx.addIssue({ code: "custom", message: `expected a whole number, got "${value}"` });
        return z.NEVER;
      }
      const parsed = Number(value);
      if (parsed < min || parsed > max) {
        ctx.addIssue({ code: "custom", message: `must be between ${min} and ${max}, got ${parsed}` });
        return z.NEVER;
      }
      return parsed;
    });

export const envString = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === "" ? fallback : value));

export const envOptionalString = () =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

/** A list given either as a JSON array of strings or as comma-separated values. */
export const envList = () =>
  z
    .string()
    .optional()
    .transform((value, ctx): string[] | undefined => {
      if (value === undefined || value.trim() === "") return undefined;
      const text = value.trim();
      if (text.startsWith("[")) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          ctx.addIssue({ code: "custom", message: "starts with [ but is not valid JSON" });
          return z.NEVER;
        }
        if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
          ctx.addIssue({ code: "custom", message: "must be a JSON array of strings" });
          return z.NEVER;
        }
        return parsed.map((item) => item.trim()).filter((item) => item !== "");
      }
      return text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
    });

/** A JSON object whose values are strings, e.g. MODEL_ALIASES. */
export const envStringMap = () =>
  z
    .string()
    .optional()
    .transform((value, ctx): Record<string, string> => {
      if (value === undefined || value.trim() === "") return {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a JSON object" });
        return z.NEVER;
      }
      if (
        typeof parsed !== "object" ||
        parsed === null ||
        Array.isArray(parsed) ||
        !Object.values(parsed).every((item) => typeof item === "string")
      ) {
        ctx.addIssue({ code: "custom", message: "must be a JSON object of string values" });
        return z.NEVER;
      }
      return parsed as Record<string, string>;
    });

/** Sizes like 32MiB, 500kb, 1048576. */
export const envByteSize = (fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      const match = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(value);
      if (!match) {
        ctx.addIssue({ code: "custom", message: `expected a size such as 20MiB or 1048576, got "${value}"` });
        return z.NEVER;
      }
      const units: Record<string, number> = {
        b: 1,
        kb: 1e3,
        kib: 1024,
        mb: 1e6,
        mib: 1024 ** 2,
        gb: 1e9,
        gib: 1024 ** 3,
      };
      const bytes = Math.floor(Number(match[1]) * (units[(match[2] ?? "b").toLowerCase()] ?? 1));
      if (bytes < 1) {
        ctx.addIssue({ code: "custom", message: "must be at least 1 byte" });
        return z.NEVER;
      }
      return bytes;
    });

/** Durations like 500ms, 10s, 2m, 1h; a bare number is seconds. Parsed to milliseconds. */
export const envDuration = (fallbackMs: number, minMs = 0) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallbackMs;
      const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(value);
      if (!match) {
        ctx.addIssue({
          code: "custom",
          message: `expected a duration such as 500ms, 10s or 2m, got "${value}"`,
        });
        return z.NEVER;
      }
      const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
      const ms = Math.round(Number(match[1]) * (units[(match[2] ?? "s").toLowerCase()] ?? 1000));
      if (ms < minMs || ms > 2 ** 31 - 1) {
        ctx.addIssue({ code: "custom", message: `must be between ${minMs}ms and 24 days, got ${ms}ms` });
        return z.NEVER;
      }
      return ms;
    });
