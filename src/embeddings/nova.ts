import * as z from "zod";
import type { EmbeddingFamily } from "./family.js";

const purposes = [
  "GENERIC_INDEX",
  "GENERIC_RETRIEVAL",
  "TEXT_RETRIEVAL",
  "IMAGE_RETRIEVAL",
  "VIDEO_RETRIEVAL",
  "DOCUMENT_RETRIEVAL",
  "AUDIO_RETRIEVAL",
  "CLASSIFICATION",
  "CLUSTERING",
] as const;

const options = z.strictObject({
  embedding_purpose: z.enum(purposes).optional(),
  truncate: z.enum(["NONE", "START", "END"]).optional(),
});

const novaResponse = z.object({
  embeddings: z
    .array(z.object({ embeddingType: z.string().optional(), embedding: z.array(z.number()) }))
    .length(1),
});

/**
 * Amazon Nova Multimodal Embeddings (`amazon.nova-2-multimodal-embeddings-v1:0`), text only here: one
 * text per call, at most 8,192 characters, `dimensions` 3072 (default), 1024, 384 or 256.
 * `embedding_purpose` defaults to GENERIC_INDEX (indexing); `truncate` to NONE, so an over-long text fails
 * as it would at OpenAI instead of being cut silently.
 */
export const nova: EmbeddingFamily<z.infer<typeof options>> = {
  name: "Amazon Nova Multimodal Embeddings",
  matches: (id) => /^amazon\.nova-[a-z0-9-]*multimodal-embeddings/.test(id),
  limits: { textsPerCall: 1, maxTextChars: 8192, dimensions: [3072, 1024, 384, 256] },
  options,
  requestBody: ([text], dimensions, { embedding_purpose, truncate }) => ({
    schemaVersion: "nova-multimodal-embed-v1",
    taskType: "SINGLE_EMBEDDING",
    singleEmbeddingParams: {
      embeddingPurpose: embedding_purpose ?? "GENERIC_INDEX",
      embeddingDimension: dimensions ?? 3072,
      text: { truncationMode: truncate ?? "NONE", value: text },
    },
  }),
  parseResponse: (body) => ({ vectors: novaResponse.parse(body).embeddings.map((item) => item.embedding) }),
};
