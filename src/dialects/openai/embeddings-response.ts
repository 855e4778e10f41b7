import type { Embeddings } from "../../embeddings/runner.js";

/** OpenAI's base64 encoding: the vector as little-endian float32 values, whatever the host's byte order. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString("base64");
}

/** Bedrock's vectors → OpenAI's `list` of `embedding` objects; `model` is the name the caller used. */
export function toEmbeddingsResponse(embeddings: Embeddings, model: string, format: "float" | "base64") {
  return {
    object: "list" as const,
    data: embeddings.vectors.map((vector, index) => ({
      object: "embedding" as const,
      index,
      embedding: format === "base64" ? float32Base64(vector) : vector,
    })),
    model,
    usage: { prompt_tokens: embeddings.inputTokens, total_tokens: embeddings.inputTokens },
  };
}
