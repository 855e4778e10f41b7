import type { FastifyRequest } from "fastify";
import type { CatalogueModel } from "../../bedrock/catalogue.js";
import type { Deps } from "../../deps.js";
import { GatewayError } from "../../errors.js";
import { policyOf } from "../../limits/request-policy.js";

/** Output modalities the OpenAI routes can serve. */
const servedModalities = new Set(["TEXT", "EMBEDDING"]);

function toOpenAiModel(model: CatalogueModel) {
  return {
    id: model.id,
    object: "model" as const,
    created: model.created,
    owned_by: model.provider.toLowerCase(),
  };
}

export function modelsHandlers(
  deps: Deps,
  aliases: Record<string, string>,
  resolveModel: (name: string) => string,
) {
  async function servedModels() {
    const models = (await deps.catalogue.list()).filter((model) =>
      model.outputModalities.some((modality) => servedModalities.has(modality)),
    );
    const byId = new Map(models.map((model) => [model.id, toOpenAiModel(model)]));
    for (const [alias, target] of Object.entries(aliases)) {
      const model = byId.get(target);
      byId.set(alias, {
        id: alias,
        object: "model",
        created: model?.created ?? 0,
        owned_by: model?.owned_by ?? "aegis",
      });
    }
    return byId;
  }

  // A key with a model scope sees only the models it may use, by their listed name or what it resolves to.
  const allowed = (request: FastifyRequest, id: string) =>
    policyOf(request).allowsModel(id, resolveModel(id));

  return {
    list: async (request: FastifyRequest) => ({
      object: "list" as const,
      data: [...(await servedModels()).values()].filter((model) => allowed(request, model.id)),
    }),
    get: async (request: FastifyRequest<{ Params: { "*": string } }>) => {
      const id = request.params["*"];
      const model = (await servedModels()).get(id);
      if (!model || !allowed(request, id)) {
        throw new GatewayError("not_found", `The model '${id}' does not exist.`, {
          code: "model_not_found",
          param: "model",
        });
      }
      return model;
    },
  };
}
