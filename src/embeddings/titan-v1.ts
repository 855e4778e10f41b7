import * as z from "zod";
import type { EmbeddingFamily, ParsedEmbeddings } from "./family.js";

const titanResponse = z.object({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().int().nonnegative().optional(),
});

/** Titan v1 and v2 answer `{"embedding":[…],"inputTextTokenCount":n}` (v2 adds embeddingsByType). */
export function parseTitanResponse(body: unknown): ParsedEmbeddings {
  const { embedding, inputTextTokenCount } = titanResponse.parse(body);
  return inputTextTokenCount === undefined
    ? { vectors: [embedding] }
    : { vectors: [embedding], inputTokens: inputTextTokenCount };
}

/**
 * Amazon Titan Embeddings G1 - Text (`amazon.titan-embed-text-v1`): `{"inputText"}` only, one text per
 * call, 1536 dimensions. No character limit is documented; we apply v2's 50,000 (both read 8,192 tokens).
 */
export const titanV1: EmbeddingFamily = {
  name: "Amazon Titan Embeddings G1 - Text",
  matches: (id) => id.startsWith("amazon.titan-embed-text-v1"),
  limits: { textsPerCall: 1, maxTextChars: 50_000, dimensions: [1536] },
  options: z.strictObject({}),
  requestBody: ([text]) => ({ inputText: text }),
  parseResponse: parseTitanResponse,
};
