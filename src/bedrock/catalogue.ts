import type { BedrockClient, FoundationModelSummary, InferenceProfileSummary } from "@aws-sdk/client-bedrock";
import { GatewayError } from "../errors.js";
import { keepAliveHandler } from "./sdk-runtime.js";

export interface CatalogueModel {
  id: string;
  name: string;
  provider: string;
  kind: "foundation-model" | "inference-profile";
  outputModalities: string[];
  inputModalities: string[];
  streaming: boolean;
  /** Seconds since the epoch; Bedrock does not say when a foundation model appeared, so those are 0. */
  created: number;
}

export interface ModelCatalogue {
  list(): Promise<CatalogueModel[]>;
}

type Lister = () => Promise<CatalogueModel[]>;

function fromFoundationModel(summary: FoundationModelSummary): CatalogueModel | undefined {
  if (!summary.modelId) return undefined;
  if (summary.modelLifecycle?.status && summary.modelLifecycle.status !== "ACTIVE") return undefined;
  return {
    id: summary.modelId,
    name: summary.modelName ?? summary.modelId,
    provider: summary.providerName ?? "unknown",
    kind: "foundation-model",
    outputModalities: summary.outputModalities ?? [],
    inputModalities: summary.inputModalities ?? [],
    streaming: summary.responseStreamingSupported ?? false,
    created: 0,
  };
}

function fromInferenceProfile(
  profile: InferenceProfileSummary,
  byArn: Map<string, CatalogueModel>,
): CatalogueModel | undefined {
  if (!profile.inferenceProfileId || (profile.status && profile.status !== "ACTIVE")) return undefined;
  // A profile routes to copies of one model in several regions: it inherits that model's abilities.
  const underlying = profile.models
    ?.map((model) => (model.modelArn ? byArn.get(model.modelArn.split("/").pop() ?? "") : undefined))
    .find((model) => model !== undefined);
  return {
    id: profile.inferenceProfileId,
    name: profile.inferenceProfileName ?? profile.inferenceProfileId,
    provider: underlying?.provider ?? "unknown",
    kind: "inference-profile",
    outputModalities: underlying?.outputModalities ?? ["TEXT"],
    inputModalities: underlying?.inputModalities ?? ["TEXT"],
    streaming: underlying?.streaming ?? true,
    created: profile.createdAt ? Math.floor(profile.createdAt.getTime() / 1000) : 0,
  };
}

type ControlPlaneSdk = typeof import("@aws-sdk/client-bedrock");

/**
 * The control-plane client is loaded on the first listing, not at startup: it is about 7 MiB of resident
 * memory that a gateway nobody asks for /v1/models never needs.
 */
export function sdkModelLister(region: string): Lister {
  let sdk: Promise<{ client: BedrockClient; module: ControlPlaneSdk }> | undefined;
  const loaded = () => {
    sdk ??= import("@aws-sdk/client-bedrock").then((module) => ({
      module,
      client: new module.BedrockClient({ region, requestHandler: keepAliveHandler() }),
    }));
    return sdk;
  };
  return async () => {
    const {
      client,
      module: { ListFoundationModelsCommand, paginateListInferenceProfiles },
    } = await loaded();
    const foundation = await client.send(new ListFoundationModelsCommand({}));
    const models = (foundation.modelSummaries ?? [])
      .map(fromFoundationModel)
      .filter((model) => model !== undefined);
    const byId = new Map(models.map((model) => [model.id, model]));
    const profiles: CatalogueModel[] = [];
    for await (const page of paginateListInferenceProfiles({ client }, {})) {
      for (const summary of page.inferenceProfileSummaries ?? []) {
        const profile = fromInferenceProfile(summary, byId);
        if (profile) profiles.push(profile);
      }
    }
    return [...models, ...profiles];
  };
}

/**
 * Caches the model list for `ttlSeconds`. One refresh at a time; when a refresh fails the previous
 * list keeps serving, and with no list at all callers get a 503 rather than an empty answer.
 */
export function cachedCatalogue(
  lister: Lister,
  ttlSeconds: number,
  now: () => number = Date.now,
): ModelCatalogue {
  let cached: { models: CatalogueModel[]; at: number } | undefined;
  let pending: Promise<CatalogueModel[]> | undefined;

  const refresh = () => {
    pending ??= lister()
      .then((models) => {
        cached = { models, at: now() };
        return models;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  return {
    async list() {
      if (cached && now() - cached.at < ttlSeconds * 1000) return cached.models;
      try {
        return await refresh();
      } catch {
        if (cached) return cached.models;
        throw new GatewayError(
          "unavailable",
          "The model list could not be read from Bedrock; try again shortly.",
          {
            code: "models_unavailable",
          },
        );
      }
    },
  };
}
