import { createHash } from "node:crypto";
import { countTokens } from "../converse/request.js";
import type { InvokeFamily, InvokeInput, InvokeOutput } from "./family.js";
import { malformed, requireFields } from "./validation.js";

/**
 * Amazon Titan Text Embeddings V2 (`amazon.titan-embed-text-v2:0`).
 * Request: {"inputText", "dimensions"?: 256|512|1024 (default 1024), "normalize"?: boolean (default true),
 * "embeddingTypes"?: ["float"|"binary"]}. Like the real model it rejects keys it does not know, which
 * catches gateways forwarding OpenAI-only fields.
 *
 * Embeddings are deterministic bags of words: every word contributes a pseudo-random vector seeded by
 * its hash, so equal texts embed equally and texts sharing words are measurably similar.
 */

const ALLOWED_KEYS = new Set(["inputText", "dimensions", "normalize", "embeddingTypes"]);
const DIMENSIONS = new Set([256, 512, 1024]);

interface TitanRequest {
  inputText: string;
  dimensions: number;
  normalize: boolean;
  embeddingTypes: string[];
}

function parseRequest(body: unknown): TitanRequest {
  const fields = requireFields(body, ALLOWED_KEYS);
  const { inputText, dimensions = 1024, normalize = true, embeddingTypes = ["float"] } = fields;
  if (typeof inputText !== "string") throw malformed("#: required key [inputText] not found");
  if (inputText.length === 0) throw malformed("expected minLength: 1, actual: 0");
  if (typeof dimensions !== "number" || !DIMENSIONS.has(dimensions)) {
    throw malformed(`#/dimensions: ${String(dimensions)} is not a valid enum value`);
  }
  if (typeof normalize !== "boolean") throw malformed("#/normalize: expected type: Boolean");
  if (!Array.isArray(embeddingTypes) || embeddingTypes.some((t) => t !== "float" && t !== "binary")) {
    throw malformed("#/embeddingTypes: expected values float or binary");
  }
  return { inputText, dimensions, normalize, embeddingTypes: embeddingTypes as string[] };
}

/** mulberry32: a tiny seeded PRNG, enough for reproducible pseudo-random vectors. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function embed(text: string, dimensions: number, normalize: boolean): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const tokens = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [""];
  for (const token of tokens) {
    const random = prng(createHash("sha256").update(token).digest().readUInt32LE(0));
    for (let i = 0; i < dimensions; i++) vector[i]! += random() * 2 - 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0)) || 1;
  const scale = normalize ? 1 / norm : 1 / Math.sqrt(tokens.length);
  return vector.map((x) => Math.round(x * scale * 1e6) / 1e6);
}

export const titanEmbedTextV2: InvokeFamily = {
  name: "Amazon Titan Text Embeddings V2",
  matches: (modelId) => modelId.startsWith("amazon.titan-embed-text-v2"),
  promptText(body) {
    const inputText = (body as { inputText?: unknown } | undefined)?.inputText;
    return typeof inputText === "string" ? inputText : undefined;
  },
  invoke({ body, prompt }: InvokeInput): InvokeOutput {
    const request = parseRequest(body);
    const embedding = embed(prompt, request.dimensions, request.normalize);
    const inputTextTokenCount = Math.max(1, countTokens([prompt]));
    const embeddingsByType: Record<string, number[]> = {};
    if (request.embeddingTypes.includes("float")) embeddingsByType.float = embedding;
    if (request.embeddingTypes.includes("binary"))
      embeddingsByType.binary = embedding.map((x) => (x > 0 ? 1 : 0));
    return {
      body: { embedding, inputTextTokenCount, embeddingsByType },
      inputTokens: inputTextTokenCount,
      outputTokens: 0,
    };
  },
};
