/** Cross-region inference profile prefixes Bedrock puts in front of a model id. */
export const profilePrefix = /^(?:global|us|us-gov|eu|apac|jp|au|ca)\./;

/** The bare foundation model id of an inference profile id (CountTokens accepts only those). */
export const withoutProfilePrefix = (modelId: string): string => modelId.replace(profilePrefix, "");

/**
 * A Claude foundation model id, in its parts: `anthropic.claude-sonnet-4-5-20250929-v1:0` is the name
 * `claude-sonnet-4-5`, dated 20250929, version 1.0; newer ids (`anthropic.claude-opus-4-8`,
 * `anthropic.claude-opus-4-6-v1`) carry no date.
 */
export interface ClaudeId {
  /** The undated public name, e.g. `claude-sonnet-4-5`. */
  name: string;
  /** YYYYMMDD, or "" for an undated id. */
  date: string;
  major: number;
  minor: number;
}

const claudeId = /^anthropic\.(claude-[a-z0-9]+(?:-[a-z0-9]+)*?)(?:-(\d{8}))?(?:-v(\d+)(?::(\d+))?)?$/;

export function parseClaudeId(foundationModelId: string): ClaudeId | undefined {
  const match = claudeId.exec(foundationModelId);
  if (!match) return undefined;
  return {
    name: match[1] as string,
    date: match[2] ?? "",
    major: Number(match[3] ?? 0),
    minor: Number(match[4] ?? 0),
  };
}

/**
 * The public Anthropic name of a Claude model Bedrock lists (a model id or a profile id): the dated name
 * when the id carries a date (`claude-sonnet-4-5-20250929`), else the plain one (`claude-opus-4-8`).
 */
export function publicClaudeName(bedrockId: string): string | undefined {
  const parsed = parseClaudeId(withoutProfilePrefix(bedrockId));
  if (!parsed) return undefined;
  return parsed.date ? `${parsed.name}-${parsed.date}` : parsed.name;
}
