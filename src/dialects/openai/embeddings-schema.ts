import * as z from "zod";

/**
 * The OpenAI embeddings request. `input` is checked by embeddings-input.ts, which can name the exact
 * element at fault; fields beyond these are the model family's to accept or refuse (e.g. input_type).
 */
export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.unknown(),
  dimensions: z.number().int().positive().nullish(),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  // Accepted for compatibility; Bedrock has no use for an end-user id.
  user: z.string().nullish(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

export const openAiEmbeddingFields = new Set(["model", "input", "dimensions", "encoding_format", "user"]);

/** The request's fields beyond OpenAI's, in the order sent. */
export function extraFields(request: EmbeddingsRequest): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([key]) => !openAiEmbeddingFields.has(key)));
}
