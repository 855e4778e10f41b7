import type { FastifyRequest } from "fastify";
import * as z from "zod";
import type { CatalogueModel } from "../../bedrock/catalogue.js";
import type { Deps } from "../../deps.js";
import { GatewayError, invalidRequest } from "../../errors.js";
import { parseBody } from "../../http/validate.js";
import { policyOf } from "../../limits/request-policy.js";
import { publicClaudeName, withoutProfilePrefix } from "../../models/claude-ids.js";
import { claudeModelNamed, claudeModelOfBedrockId } from "./models.js";

export interface AnthropicModelInfo {
  type: "model";
  id: string;
  display_name: string;
  created_at: string;
}

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  after_id: z.string().min(1).optional(),
  before_id: z.string().min(1).optional(),
});

const isClaude = (model: CatalogueModel) =>
  model.provider.toLowerCase() === "anthropic" || model.id.includes("anthropic.claude");

/** Anthropic's dated ids carry their release day; other models take Bedrock's date, when it gives one. */
function createdAt(id: string, seconds: number): string {
  const dated = /-(\d{4})(\d{2})(\d{2})(?:-|$)/.exec(id);
  if (dated) return `${dated[1]}-${dated[2]}-${dated[3]}T00:00:00Z`;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The Claude models Bedrock offers, under Anthropic's names where the table knows them (a foundation model
 * and its inference profiles are then one entry), else under their Bedrock ids; plus MODEL_ALIASES that
 * name a Claude model. Newest first, as Anthropic lists them.
 */
export function claudeModelList(
  catalogue: CatalogueModel[],
  aliases: Record<string, string>,
): AnthropicModelInfo[] {
  const byId = new Map<string, AnthropicModelInfo>();
  const add = (info: AnthropicModelInfo) => {
    const known = byId.get(info.id);
    if (!known || known.created_at < info.created_at) byId.set(info.id, info);
  };
  // A model the table does not know is listed under its public name too (the name resolution accepts),
  // with the foundation model's display name rather than a profile's ("US Anthropic …").
  const foundationNames = new Map(
    catalogue.filter((model) => model.kind === "foundation-model").map((model) => [model.id, model.name]),
  );
  for (const model of catalogue.filter(isClaude)) {
    const known = claudeModelOfBedrockId(model.id);
    const id = known?.id ?? publicClaudeName(model.id) ?? model.id;
    add({
      type: "model",
      id,
      display_name: known?.displayName ?? foundationNames.get(withoutProfilePrefix(model.id)) ?? model.name,
      created_at: createdAt(id, model.created),
    });
  }
  for (const [alias, target] of Object.entries(aliases)) {
    const known = claudeModelNamed(target) ?? claudeModelOfBedrockId(target);
    const listed = byId.get(known?.id ?? target);
    if (known || listed || target.includes("anthropic.claude")) {
      add({
        type: "model",
        id: alias,
        display_name: alias,
        created_at: listed?.created_at ?? createdAt(known?.id ?? target, 0),
      });
    }
  }
  return [...byId.values()].sort(
    (a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id),
  );
}

/** Anthropic's cursor pagination: `after_id` pages forward, `before_id` backward, `limit` items a page. */
export function modelPage(models: AnthropicModelInfo[], query: z.infer<typeof listQuery>) {
  const { limit, after_id: after, before_id: before } = query;
  if (after && before) throw invalidRequest("Give after_id or before_id, not both.", "before_id");
  const positionOf = (id: string, param: string) => {
    const position = models.findIndex((model) => model.id === id);
    if (position < 0) throw invalidRequest(`${param} does not name a model in the list.`, param);
    return position;
  };
  let start = 0;
  let end = Math.min(models.length, limit);
  if (after) {
    start = positionOf(after, "after_id") + 1;
    end = Math.min(models.length, start + limit);
  } else if (before) {
    end = positionOf(before, "before_id");
    start = Math.max(0, end - limit);
  }
  const data = models.slice(start, end);
  return {
    data,
    has_more: before ? start > 0 : end < models.length,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}

export function modelsHandlers(deps: Deps, aliases: Record<string, string>) {
  // A key with a model scope sees only the models it may use, by their listed name or the id an alias names.
  const resolved = (id: string) => aliases[id] ?? id;
  const models = async (request: FastifyRequest) => {
    const policy = policyOf(request);
    return claudeModelList(await deps.catalogue.list(), aliases).filter((model) =>
      policy.allowsModel(model.id, resolved(model.id)),
    );
  };
  return {
    list: async (request: FastifyRequest) =>
      modelPage(await models(request), parseBody(listQuery, request.query)),
    get: async (request: FastifyRequest<{ Params: { "*": string } }>) => {
      const id = request.params["*"];
      const all = await models(request);
      // Aliases, dated names and Bedrock ids of a known model all find its one entry.
      const canonical = (claudeModelNamed(id) ?? claudeModelOfBedrockId(id))?.id ?? publicClaudeName(id);
      const model = all.find((entry) => entry.id === id) ?? all.find((entry) => entry.id === canonical);
      if (!model) {
        throw new GatewayError("not_found", `model: ${id} was not found.`, {
          code: "model_not_found",
          param: "model",
        });
      }
      return model;
    },
  };
}
