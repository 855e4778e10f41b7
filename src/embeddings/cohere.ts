import * as z from "zod";
import type { ParsedEmbeddings } from "./family.js";

/** What Cohere Embed v3 and v4 share: their request fields and their answer. */

const inputTypes = ["search_document", "search_query", "classification", "clustering"] as const;
const embeddingTypes = ["float", "int8", "uint8", "binary", "ubinary"] as const;

/** The extra fields a Cohere model takes; `truncate` spells its values differently in v3 and v4. */
export function cohereOptions<T extends readonly [string, ...string[]]>(truncateValues: T) {
  return z.strictObject({
    input_type: z.enum(inputTypes).optional(),
    truncate: z.enum(truncateValues).optional(),
    // The OpenAI answer has one vector per input, so exactly one type can be asked for.
    embedding_types: z
      .array(z.enum(embeddingTypes))
      .length(1, "name exactly one type: the OpenAI answer carries one vector per input")
      .optional(),
  });
}

export interface CohereOptions {
  input_type?: (typeof inputTypes)[number] | undefined;
  truncate?: string | undefined;
  embedding_types?: (typeof embeddingTypes)[number][] | undefined;
}

/**
 * `input_type` defaults to search_document, the right choice for indexing (what most OpenAI-API callers
 * do); embedding_types is always sent so the answer always has Cohere's by-type shape.
 */
export function cohereBody(texts: string[], options: CohereOptions): Record<string, unknown> {
  return {
    texts,
    input_type: options.input_type ?? "search_document",
    embedding_types: options.embedding_types ?? ["float"],
    ...(options.truncate === undefined ? {} : { truncate: options.truncate }),
  };
}

const vectors = z.array(z.array(z.number()));
const cohereResponse = z.object({
  embeddings: z.union([vectors, z.record(z.string(), vectors)]),
});

/** `{"embeddings":{"float":[[…]]},"response_type":"embeddings_by_type"}`, or the older bare list of floats. */
export function parseCohereResponse(body: unknown, options: CohereOptions): ParsedEmbeddings {
  const { embeddings } = cohereResponse.parse(body);
  if (Array.isArray(embeddings)) return { vectors: embeddings };
  const type = options.embedding_types?.[0] ?? "float";
  const ofType = embeddings[type];
  if (!ofType) throw new Error(`the answer has no ${type} embeddings`);
  return { vectors: ofType };
}
