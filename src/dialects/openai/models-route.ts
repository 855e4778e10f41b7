import type { FastifyRequest } from "fastify";
import type { CatalogueModel } from "../../bedrock/catalogue.js";
import type { Deps } from "../../deps.js";
import { GatewayError } from "../../errors.js";

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

export function modelsHandlers(deps: Deps, aliases: Record<string, string>) {
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

  return {
    list: async () => ({ object: "list" as const, data: [...(await servedModels()).values()] }),
    get: async (request: FastifyRequest<{ Params: { "*": string } }>) => {
      const id = request.params["*"];
      const model = (await servedModels()).get(id);
      if (!model) {
        throw new GatewayError("not_found", `The model '${id}' does not exist.`, {
          code: "model_not_found",
          param: "model",
        });
      }
      return model;
    },
  };
}
