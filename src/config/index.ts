import type * as z from "zod";
import { anthropicSettings } from "./anthropic.js";
import { authSettings, authSettingsProblem } from "./auth.js";
import { bedrockSettings } from "./bedrock.js";
import { ConfigError } from "./config-error.js";
import type { Setting, SettingGroup, SettingValues } from "./define.js";
import { edgeSettings, resolveEdgeSettings } from "./edge.js";
import { embeddingsSettings } from "./embeddings.js";
import { fetchSettings } from "./fetch.js";
import { guardrailSettings, guardrailSettingsProblem } from "./guardrail.js";
import { keySettings, keySettingsProblem } from "./keys.js";
import { observabilitySettings } from "./observability.js";
import { resilienceSettings } from "./resilience.js";
import { responsesSettings, responsesSettingsProblem } from "./responses.js";
import { serverSettings } from "./server.js";
import { storeSettings } from "./store.js";

/** Every environment variable Aegis reads, grouped by concern. */
export const settings = {
  ...serverSettings,
  ...bedrockSettings,
  ...guardrailSettings,
  ...resilienceSettings,
  ...fetchSettings,
  ...embeddingsSettings,
  ...anthropicSettings,
  ...authSettings,
  ...keySettings,
  ...edgeSettings,
  ...storeSettings,
  ...observabilitySettings,
  ...responsesSettings,
} satisfies SettingGroup;

export type Config = SettingValues<typeof settings> & { region: string };

export { ConfigError } from "./config-error.js";

/** A message about a secret setting, with the secret's text cut out should a schema ever echo it. */
function withoutSecret(message: string, raw: unknown): string {
  if (typeof raw !== "string") return message;
  let safe = message;
  for (const text of [raw, raw.trim()]) if (text !== "") safe = safe.split(text).join("[redacted]");
  return safe;
}

/**
 * Parse the environment once. Throws ConfigError naming the first bad variable; never echoes a value of a
 * secret. Secret settings are removed from `env` as they are read, so nothing later (child processes
 * included) can find them there.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(settings) as [string, Setting<unknown>][]) {
    const raw = env[name];
    if (definition.secret) delete env[name];
    const result = (definition.schema as z.ZodType).safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      const message = issue?.message ?? "invalid value";
      throw new ConfigError(
        `Invalid configuration: ${name}: ${definition.secret ? withoutSecret(message, raw) : message}`,
      );
    }
    values[name] = result.data;
  }
  const config = values as SettingValues<typeof settings>;
  // GRANIAN_HOST/GRANIAN_PORT fallbacks and the checks that involve several edge settings.
  resolveEdgeSettings(config, env);
  const authProblem = authSettingsProblem(config);
  if (authProblem) throw new ConfigError(`Invalid configuration: ${authProblem}`);
  const guardrailProblem = guardrailSettingsProblem(config);
  if (guardrailProblem) throw new ConfigError(`Invalid configuration: ${guardrailProblem}`);
  const keysProblem = keySettingsProblem(config);
  if (keysProblem) throw new ConfigError(`Invalid configuration: ${keysProblem}`);
  const responsesProblem = responsesSettingsProblem(config);
  if (responsesProblem) throw new ConfigError(`Invalid configuration: ${responsesProblem}`);
  const region =
    config.AWS_BEDROCK_REGIONS?.[0] ?? config.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  // The Anthropic prefix must not claim the OpenAI routes' paths (their errors would turn Anthropic-shaped).
  const openAiPaths = [config.OPENAI_ROUTES_PREFIX, `${config.OPENAI_ROUTES_PREFIX}/v1`];
  if (openAiPaths.includes(config.ANTHROPIC_ROUTES_PREFIX)) {
    throw new ConfigError(
      "Invalid configuration: ANTHROPIC_ROUTES_PREFIX: must differ from OPENAI_ROUTES_PREFIX and its /v1 path",
    );
  }
  return { ...config, region };
}
