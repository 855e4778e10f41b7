import { cohereEmbedV3, cohereEmbedV4 } from "./cohere-embed.js";
import type { InvokeFamily } from "./family.js";
import { novaMultimodalEmbeddings } from "./nova-multimodal-embeddings.js";
import { titanEmbedTextV1 } from "./titan-embed-text-v1.js";
import { titanEmbedTextV2 } from "./titan-embed-text-v2.js";

/** Every InvokeModel family the emulator answers. Add a family: write its file, list it here. */
export const INVOKE_FAMILIES: readonly InvokeFamily[] = [
  titanEmbedTextV2,
  titanEmbedTextV1,
  cohereEmbedV3,
  cohereEmbedV4,
  novaMultimodalEmbeddings,
];

export function findInvokeFamily(modelId: string): InvokeFamily | undefined {
  return INVOKE_FAMILIES.find((family) => family.matches(modelId));
}
