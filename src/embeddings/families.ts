import { cohereV3 } from "./cohere-v3.js";
import { cohereV4 } from "./cohere-v4.js";
import type { EmbeddingFamily } from "./family.js";
import { baseModelId } from "./model-id.js";
import { nova } from "./nova.js";
import { titanV1 } from "./titan-v1.js";
import { titanV2 } from "./titan-v2.js";

/** Every embedding model family the gateway serves. Add one: write its file, list it here. */
export const EMBEDDING_FAMILIES: readonly EmbeddingFamily[] = [titanV2, titanV1, cohereV3, cohereV4, nova];

/** The family serving a Bedrock model id, inference-profile id or ARN; undefined when none does. */
export function embeddingFamilyFor(modelId: string): EmbeddingFamily | undefined {
  const base = baseModelId(modelId);
  return EMBEDDING_FAMILIES.find((family) => family.matches(base));
}
