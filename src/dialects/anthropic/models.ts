import type { ModelCatalogue } from "../../bedrock/catalogue.js";
import { GatewayError } from "../../errors.js";
import { resolveClaudeName } from "../../models/claude-catalogue.js";
import { withoutProfilePrefix } from "../../models/claude-ids.js";
import { checkModelName } from "../../models/model-name.js";

/** One Claude model as Anthropic names it, and where it lives on Bedrock. */
export interface ClaudeModel {
  /** Anthropic's model id, listed by /v1/models. */
  id: string;
  /** Other public names of the same model (undated names, `-latest`). */
  aliases: string[];
  displayName: string;
  /** The Bedrock foundation model id, without a cross-region inference profile prefix. */
  bedrockId: string;
}

/**
 * Anthropic's public model names → Bedrock. Keep newest first; add a line when a model ships on Bedrock.
 * Older models stay listed: where Bedrock has retired one, Bedrock says so, and /v1/models only shows
 * what Bedrock lists.
 */
export const claudeModels: ClaudeModel[] = [
  {
    id: "claude-sonnet-5",
    aliases: [],
    displayName: "Claude Sonnet 5",
    bedrockId: "anthropic.claude-sonnet-5",
  },
  {
    id: "claude-opus-4-8",
    aliases: [],
    displayName: "Claude Opus 4.8",
    bedrockId: "anthropic.claude-opus-4-8",
  },
  {
    id: "claude-opus-4-7",
    aliases: [],
    displayName: "Claude Opus 4.7",
    bedrockId: "anthropic.claude-opus-4-7",
  },
  {
    id: "claude-opus-4-6",
    aliases: [],
    displayName: "Claude Opus 4.6",
    bedrockId: "anthropic.claude-opus-4-6-v1",
  },
  {
    id: "claude-sonnet-4-6",
    aliases: [],
    displayName: "Claude Sonnet 4.6",
    bedrockId: "anthropic.claude-sonnet-4-6",
  },
  {
    id: "claude-opus-4-5-20251101",
    aliases: ["claude-opus-4-5"],
    displayName: "Claude Opus 4.5",
    bedrockId: "anthropic.claude-opus-4-5-20251101-v1:0",
  },
  {
    id: "claude-haiku-4-5-20251001",
    aliases: ["claude-haiku-4-5"],
    displayName: "Claude Haiku 4.5",
    bedrockId: "anthropic.claude-haiku-4-5-20251001-v1:0",
  },
  {
    id: "claude-sonnet-4-5-20250929",
    aliases: ["claude-sonnet-4-5"],
    displayName: "Claude Sonnet 4.5",
    bedrockId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
  },
  {
    id: "claude-opus-4-1-20250805",
    aliases: ["claude-opus-4-1"],
    displayName: "Claude Opus 4.1",
    bedrockId: "anthropic.claude-opus-4-1-20250805-v1:0",
  },
  {
    id: "claude-sonnet-4-20250514",
    aliases: ["claude-sonnet-4-0", "claude-4-sonnet-20250514"],
    displayName: "Claude Sonnet 4",
    bedrockId: "anthropic.claude-sonnet-4-20250514-v1:0",
  },
  {
    id: "claude-opus-4-20250514",
    aliases: ["claude-opus-4-0", "claude-4-opus-20250514"],
    displayName: "Claude Opus 4",
    bedrockId: "anthropic.claude-opus-4-20250514-v1:0",
  },
  {
    id: "claude-3-7-sonnet-20250219",
    aliases: ["claude-3-7-sonnet-latest"],
    displayName: "Claude Sonnet 3.7",
    bedrockId: "anthropic.claude-3-7-sonnet-20250219-v1:0",
  },
  {
    id: "claude-3-5-haiku-20241022",
    aliases: ["claude-3-5-haiku-latest"],
    displayName: "Claude Haiku 3.5",
    bedrockId: "anthropic.claude-3-5-haiku-20241022-v1:0",
  },
  {
    id: "claude-3-5-sonnet-20241022",
    aliases: ["claude-3-5-sonnet-latest"],
    displayName: "Claude Sonnet 3.5 (New)",
    bedrockId: "anthropic.claude-3-5-sonnet-20241022-v2:0",
  },
  {
    id: "claude-3-5-sonnet-20240620",
    aliases: [],
    displayName: "Claude Sonnet 3.5 (Old)",
    bedrockId: "anthropic.claude-3-5-sonnet-20240620-v1:0",
  },
  {
    id: "claude-3-opus-20240229",
    aliases: ["claude-3-opus-latest"],
    displayName: "Claude Opus 3",
    bedrockId: "anthropic.claude-3-opus-20240229-v1:0",
  },
  {
    id: "claude-3-haiku-20240307",
    aliases: [],
    displayName: "Claude Haiku 3",
    bedrockId: "anthropic.claude-3-haiku-20240307-v1:0",
  },
];

const byPublicName = new Map<string, ClaudeModel>(
  claudeModels.flatMap((model) => [model.id, ...model.aliases].map((name) => [name, model] as const)),
);
const byBedrockId = new Map(claudeModels.map((model) => [model.bedrockId, model]));

/**
 * The inference profile geography of a region. Newer Claude models are served only through inference
 * profiles; the regional one keeps requests inside the region's geography (never the `global.` profile,
 * which may route anywhere). Regions outside these geographies get the bare model id.
 */
export function profileGeography(region: string): string | undefined {
  if (region.startsWith("us-gov-")) return "us-gov";
  if (region.startsWith("us-")) return "us";
  if (region.startsWith("eu-")) return "eu";
  if (region.startsWith("ap-")) return "apac";
  return undefined;
}

/** The table entry for a Bedrock model id or inference profile id, if it is one of the known Claude models. */
export function claudeModelOfBedrockId(bedrockId: string): ClaudeModel | undefined {
  return byBedrockId.get(withoutProfilePrefix(bedrockId));
}

export const claudeModelNamed = (name: string): ClaudeModel | undefined => byPublicName.get(name);

/** Whether a Bedrock model id serves Claude, so Anthropic-only request fields (thinking, betas, top_k) apply. */
export const isClaudeModelId = (modelId: string): boolean =>
  /anthropic|claude/i.test(modelId) || modelId.startsWith("arn:");

/**
 * Resolves the model a caller names to what Bedrock is called with: MODEL_ALIASES first, then Anthropic's
 * public names in the table (to the regional inference profile), then any other `claude-…` name against
 * the live Bedrock catalogue (cached; see resolveClaudeName), else the name as given (a Bedrock id or ARN).
 * A `claude-…` name that neither knows is refused here with 404, not sent to Bedrock.
 */
export function createClaudeModelResolver(
  aliases: Record<string, string>,
  region: string,
  catalogue?: ModelCatalogue,
): (name: string) => Promise<string> {
  const geography = profileGeography(region);
  return async (name) => {
    checkModelName(name);
    const target = Object.hasOwn(aliases, name) ? (aliases[name] as string) : name;
    const model = byPublicName.get(target);
    if (model) return geography ? `${geography}.${model.bedrockId}` : model.bedrockId;
    if (!/^claude-/i.test(target)) return target;
    const listed = catalogue && resolveClaudeName(target, await catalogue.list(), region);
    if (listed) return listed;
    throw new GatewayError(
      "not_found",
      `model: ${target.slice(0, 100)} is not a Claude model this gateway knows or Bedrock lists in ${region}. Use a listed model, a Bedrock model id or an inference profile.`,
      { code: "model_not_found", param: "model" },
    );
  };
}

export { withoutProfilePrefix };
