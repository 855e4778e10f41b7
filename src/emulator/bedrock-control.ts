import {
  CATALOGUE_TIMESTAMP,
  FOUNDATION_MODELS,
  type FoundationModel,
  foundationModelArn,
  INFERENCE_PROFILES,
  type InferenceProfile,
  inferenceProfileArn,
  resolveModel,
} from "./catalogue.js";
import { EmulatedError } from "./exceptions.js";
import type { Exchange } from "./exchange.js";

/**
 * Bedrock control plane: model and inference-profile listings, which gateways use to build their
 * model lists and to map model names to profiles.
 */

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function modelSummary(region: string, model: FoundationModel): Record<string, unknown> {
  return {
    modelArn: foundationModelArn(region, model.modelId),
    modelId: model.modelId,
    modelName: model.modelName,
    providerName: model.providerName,
    inputModalities: model.inputModalities,
    outputModalities: model.outputModalities,
    responseStreamingSupported: model.responseStreamingSupported,
    customizationsSupported: model.customizationsSupported,
    inferenceTypesSupported: model.inferenceTypesSupported,
    modelLifecycle: { status: "ACTIVE" },
  };
}

/** GET /foundation-models?byProvider=&byOutputModality=&byInferenceType=&byCustomizationType= */
export async function listFoundationModels(exchange: Exchange): Promise<void> {
  const provider = first(exchange.query.byProvider)?.toLowerCase();
  const outputModality = first(exchange.query.byOutputModality);
  const inferenceType = first(exchange.query.byInferenceType);
  const customization = first(exchange.query.byCustomizationType);
  const models = FOUNDATION_MODELS.filter(
    (m) =>
      (provider === undefined || m.providerName.toLowerCase() === provider) &&
      (outputModality === undefined || (m.outputModalities as string[]).includes(outputModality)) &&
      (inferenceType === undefined || (m.inferenceTypesSupported as string[]).includes(inferenceType)) &&
      (customization === undefined || m.customizationsSupported.includes(customization)),
  );
  exchange.json(200, { modelSummaries: models.map((m) => modelSummary(exchange.region, m)) });
}

/** GET /foundation-models/{modelIdentifier} */
export async function getFoundationModel(exchange: Exchange): Promise<void> {
  const resolved = resolveModel(exchange.record.modelId ?? "");
  if (!resolved || resolved.profile) {
    throw new EmulatedError("ValidationException", "The provided model identifier is invalid.", 400);
  }
  exchange.json(200, { modelDetails: modelSummary(exchange.region, resolved.model) });
}

function profileSummary(region: string, profile: InferenceProfile): Record<string, unknown> {
  return {
    inferenceProfileName: profile.inferenceProfileName,
    inferenceProfileArn: inferenceProfileArn(region, profile.inferenceProfileId),
    inferenceProfileId: profile.inferenceProfileId,
    description: profile.description,
    status: "ACTIVE",
    type: "SYSTEM_DEFINED",
    models: profile.regions.map((r) => ({ modelArn: foundationModelArn(r, profile.modelId) })),
    createdAt: CATALOGUE_TIMESTAMP,
    updatedAt: CATALOGUE_TIMESTAMP,
  };
}

/** Page tokens are opaque to callers; ours encode the offset of the next page. */
function decodeNextToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = Number(
    Buffer.from(token, "base64url")
      .toString("utf8")
      .replace(/^offset:/, ""),
  );
  if (!Number.isInteger(offset) || offset < 0)
    throw new EmulatedError("ValidationException", "Invalid pagination token.", 400);
  return offset;
}

/** GET /inference-profiles?maxResults=&nextToken=&type= (the SDK sends `typeEquals` as `type`). */
export async function listInferenceProfiles(exchange: Exchange): Promise<void> {
  const maxText = first(exchange.query.maxResults);
  const maxResults = maxText === undefined ? 1000 : Number(maxText);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) {
    throw new EmulatedError(
      "ValidationException",
      `1 validation error detected: Value '${maxText}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000`,
      400,
    );
  }
  const type = first(exchange.query.type);
  const matching = type === undefined || type === "SYSTEM_DEFINED" ? INFERENCE_PROFILES : [];
  const offset = decodeNextToken(first(exchange.query.nextToken));
  const page = matching.slice(offset, offset + maxResults);
  const next = offset + page.length;
  exchange.json(200, {
    inferenceProfileSummaries: page.map((p) => profileSummary(exchange.region, p)),
    ...(next < matching.length ? { nextToken: Buffer.from(`offset:${next}`).toString("base64url") } : {}),
  });
}

/** GET /inference-profiles/{inferenceProfileIdentifier} (id or ARN). */
export async function getInferenceProfile(exchange: Exchange): Promise<void> {
  const profile = resolveModel(exchange.record.modelId ?? "")?.profile;
  if (!profile) {
    throw new EmulatedError(
      "ResourceNotFoundException",
      "The specified inference profile couldn't be found.",
      404,
    );
  }
  exchange.json(200, profileSummary(exchange.region, profile));
}
