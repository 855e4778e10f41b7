import type { CatalogueModel } from "../bedrock/catalogue.js";
import { parseClaudeId, withoutProfilePrefix } from "./claude-ids.js";

/**
 * The profile geographies that keep a request near `region`, most local first: Tokyo and Osaka have
 * `jp.`, Sydney and Melbourne `au.`, every Asia-Pacific region `apac.`. None for a region outside them.
 */
export function geographiesOf(region: string): string[] {
  if (region.startsWith("us-gov-")) return ["us-gov"];
  if (region.startsWith("us-")) return ["us"];
  if (region.startsWith("eu-")) return ["eu"];
  if (region === "ap-northeast-1" || region === "ap-northeast-3") return ["jp", "apac"];
  if (region === "ap-southeast-2" || region === "ap-southeast-4") return ["au", "apac"];
  if (region.startsWith("ap-")) return ["apac"];
  return [];
}

const newerFirst = (a: { date: string; major: number; minor: number }, b: typeof a) =>
  b.date.localeCompare(a.date) || b.major - a.major || b.minor - a.minor;

/**
 * Resolves a public Anthropic model name Bedrock lists but the gateway's table does not know (a model
 * released after it) against the live catalogue: `claude-opus-4-8` → the Bedrock model whose id is
 * `anthropic.claude-opus-4-8[-YYYYMMDD][-vN[:M]]`, the newest dated version when several are listed, or
 * a dated name (`claude-x-20260101`) for exactly that date. Then the profile to call it through: the
 * region's geography (`us.`, `eu.`, `jp.`/`apac.`…), else `global.` when that is the profile that exists,
 * else the foundation model itself. Undefined when Bedrock lists no model of that name callable from here.
 * Pure: the caller passes the catalogue (cached) and the region.
 */
export function resolveClaudeName(
  name: string,
  catalogue: readonly CatalogueModel[],
  region: string,
): string | undefined {
  const ids = new Set(catalogue.map((model) => model.id));
  const foundationModels = new Set(
    catalogue.filter((model) => model.kind === "foundation-model").map((model) => model.id),
  );
  const candidates = new Map<string, NonNullable<ReturnType<typeof parseClaudeId>>>();
  for (const id of ids) {
    if (id.startsWith("arn:")) continue;
    const base = withoutProfilePrefix(id);
    const parsed = parseClaudeId(base);
    if (!parsed) continue;
    if (parsed.name === name || (parsed.date && `${parsed.name}-${parsed.date}` === name)) {
      candidates.set(base, parsed);
    }
  }
  const routes = (base: string) => [
    ...geographiesOf(region).map((geography) => `${geography}.${base}`),
    `global.${base}`,
  ];
  const ranked = [...candidates.entries()].sort(([, a], [, b]) => newerFirst(a, b));
  for (const [base] of ranked) {
    const profile = routes(base).find((id) => ids.has(id));
    if (profile) return profile;
    // A model with no profile here is called by its own id (on-demand in this region).
    if (foundationModels.has(base)) return base;
  }
  return undefined;
}
