import * as z from "zod";
import { setting } from "./define.js";

/**
 * The guardrail the gateway applies to every generative Bedrock call. The patterns are those of the
 * Bedrock API reference (GuardrailConfiguration / GuardrailStreamConfiguration), so a typo stops startup
 * instead of failing every request.
 */
export const guardrailIdPattern =
  /^(?:[a-z0-9]+|arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+)$/;
export const guardrailVersionPattern = /^(?:[1-9][0-9]{0,7}|DRAFT)$/;

const envMatching = (pattern: RegExp, expected: string, maxLength: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx): string | undefined => {
      if (value === undefined || value.trim() === "") return undefined;
      const text = value.trim();
      if (text.length > maxLength || !pattern.test(text)) {
        ctx.addIssue({ code: "custom", message: `expected ${expected}, got "${text.slice(0, 80)}"` });
        return z.NEVER;
      }
      return text;
    });

const envChoice = <const T extends readonly [string, ...string[]]>(choices: T) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx): T[number] => {
      if (value === undefined || value === "") return choices[0];
      if ((choices as readonly string[]).includes(value)) return value as T[number];
      ctx.addIssue({ code: "custom", message: `expected one of ${choices.join(", ")}, got "${value}"` });
      return z.NEVER;
    });

export const guardrailSettings = {
  AWS_BEDROCK_GUARDRAIL_IDENTIFIER: setting(
    envMatching(
      guardrailIdPattern,
      "a guardrail id (lower-case letters and digits) or a guardrail ARN",
      2048,
    ),
    "Bedrock guardrail (id or ARN) applied to every chat, messages and responses call; clients cannot change or disable it. Set together with AWS_BEDROCK_GUARDRAIL_VERSION.",
  ),
  AWS_BEDROCK_GUARDRAIL_VERSION: setting(
    envMatching(guardrailVersionPattern, "a version number (1 to 99999999) or DRAFT", 8),
    "Version of that guardrail: a number, or DRAFT.",
  ),
  AWS_BEDROCK_GUARDRAIL_TRACE: setting(
    envChoice(["disabled", "enabled", "enabled_full"] as const),
    "Guardrail trace: enabled or enabled_full adds a summary of each assessment (policy, action, PII types; never the content) to the request's log line.",
  ),
  AWS_BEDROCK_GUARDRAIL_STREAM_MODE: setting(
    envChoice(["sync", "async"] as const),
    "Streams: sync (no text reaches the client before the guardrail passed it) or async (lower latency, but text may arrive before an intervention, and sensitive information is not masked).",
  ),
};

/** The two settings that must be given together, or undefined when they are. */
export function guardrailSettingsProblem(values: {
  AWS_BEDROCK_GUARDRAIL_IDENTIFIER: string | undefined;
  AWS_BEDROCK_GUARDRAIL_VERSION: string | undefined;
}): string | undefined {
  const { AWS_BEDROCK_GUARDRAIL_IDENTIFIER: id, AWS_BEDROCK_GUARDRAIL_VERSION: version } = values;
  if (id !== undefined && version === undefined)
    return "AWS_BEDROCK_GUARDRAIL_VERSION: is required when AWS_BEDROCK_GUARDRAIL_IDENTIFIER is set";
  if (id === undefined && version !== undefined)
    return "AWS_BEDROCK_GUARDRAIL_IDENTIFIER: is required when AWS_BEDROCK_GUARDRAIL_VERSION is set";
  return undefined;
}
