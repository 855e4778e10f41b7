import { randomUUID } from "node:crypto";
import { countTokens } from "../converse/request.js";
import { parseDirectives } from "../directives.js";
import type { InvokeFamily, InvokeInput, InvokeOutput } from "./family.js";
import { embed } from "./titan-embed-text-v2.js";
import { malformed, requireEnum, requireFields } from "./validation.js";

/**
 * Cohere Embed on Bedrock, v3 (`cohere.embed-english-v3`, `cohere.embed-multilingual-v3`) and v4
 * (`cohere.embed-v4:0`). Request: `{"texts": [≤96], "input_type", "truncate"?, "embedding_types"?}`, v4
 * adding `output_dimension` and `max_tokens`. Answer: `{"id", "texts", "embeddings", "response_type"}`,
 * embeddings a bare list of floats (`embeddings_floats`, v3 without embedding_types) or one list per
 * requested type (`embeddings_by_type`). Bedrock reports the tokens in a response header only.
 * Directives in any text apply to the whole call (one call embeds the batch).
 */

const INPUT_TYPES = ["search_document", "search_query", "classification", "clustering"] as const;
const EMBEDDING_TYPES = ["float", "int8", "uint8", "binary", "ubinary"] as const;
type EmbeddingType = (typeof EMBEDDING_TYPES)[number];

interface CohereVersion {
  allowedKeys: ReadonlySet<string>;
  truncateValues: readonly string[];
  /** Character limit per text (v3 documents 2,048; v4 none). */
  maxTextChars?: number;
  dimensions: readonly number[];
  /** v3 answers a bare float list when no embedding_types is given; v4 always answers by type. */
  byTypeByDefault: boolean;
}

/** Cohere's quantised types, derived from the float vector (binary types pack 8 signs per byte). */
function ofType(vector: readonly number[], type: EmbeddingType): number[] {
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(x)));
  switch (type) {
    case "float":
      return [...vector];
    case "int8":
      return vector.map((x) => clamp(x * 127, -128, 127));
    case "uint8":
      return vector.map((x) => clamp((x + 1) * 127.5, 0, 255));
    case "binary":
    case "ubinary": {
      const bytes: number[] = [];
      for (let i = 0; i < vector.length; i += 8) {
        let byte = 0;
        for (let bit = 0; bit < 8; bit++) byte = (byte << 1) | ((vector[i + bit] ?? 0) > 0 ? 1 : 0);
        bytes.push(type === "ubinary" ? byte : byte - 128);
      }
      return bytes;
    }
  }
}

function readTexts(value: unknown, version: CohereVersion): string[] {
  if (value === undefined) throw malformed("#: required key [texts] not found");
  if (!Array.isArray(value) || value.some((text) => typeof text !== "string")) {
    throw malformed("#/texts: expected type: JSONArray of strings");
  }
  if (value.length > 96) throw malformed(`#/texts: expected maxItems: 96, actual: ${value.length}`);
  const max = version.maxTextChars;
  const long = max === undefined ? -1 : value.findIndex((text: string) => [...text].length > max);
  if (long >= 0)
    throw malformed(`#/texts/${long}: expected maxLength: ${max}, actual: ${[...value[long]].length}`);
  return value as string[];
}

function readEmbeddingTypes(value: unknown): EmbeddingType[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0)
    throw malformed("#/embedding_types: expected a non-empty array");
  return value.map((type, i) => requireEnum(type, EMBEDDING_TYPES, `#/embedding_types/${i}`));
}

function cohereFamily(name: string, matches: (id: string) => boolean, version: CohereVersion): InvokeFamily {
  return {
    name,
    matches,
    promptText(body) {
      const texts = (body as { texts?: unknown } | undefined)?.texts;
      return Array.isArray(texts) && texts.every((t) => typeof t === "string") ? texts.join(" ") : undefined;
    },
    invoke({ body }: InvokeInput): InvokeOutput {
      const fields = requireFields(body, version.allowedKeys);
      if (fields.images !== undefined || fields.inputs !== undefined) {
        throw malformed("the emulator embeds texts only (images and inputs are not emulated)");
      }
      const texts = readTexts(fields.texts, version);
      requireEnum(fields.input_type, INPUT_TYPES, "#/input_type");
      requireEnum(fields.truncate, version.truncateValues, "#/truncate", "NONE");
      const dimensions = requireEnum(
        fields.output_dimension,
        version.dimensions,
        "#/output_dimension",
        version.dimensions[0],
      );
      if (
        fields.max_tokens !== undefined &&
        !(Number.isInteger(fields.max_tokens) && Number(fields.max_tokens) > 0)
      ) {
        throw malformed("#/max_tokens: expected a positive integer");
      }
      const types = readEmbeddingTypes(fields.embedding_types);
      // Each text is embedded as its own cleaned prompt, so a text embeds the same alone or in a batch.
      const cleaned = texts.map((text) => parseDirectives([text]).text);
      const floats = cleaned.map((text) => embed(text, dimensions, true));
      const byType = types !== undefined || version.byTypeByDefault;
      const embeddings = byType
        ? Object.fromEntries((types ?? ["float"]).map((type) => [type, floats.map((v) => ofType(v, type))]))
        : floats;
      return {
        body: {
          id: randomUUID(),
          texts,
          embeddings,
          response_type: byType ? "embeddings_by_type" : "embeddings_floats",
        },
        inputTokens: cleaned.reduce((sum, text) => sum + Math.max(1, countTokens([text])), 0),
        outputTokens: 0,
      };
    },
  };
}

export const cohereEmbedV3 = cohereFamily(
  "Cohere Embed v3",
  (modelId) => /^cohere\.embed-(english|multilingual)-v3/.test(modelId),
  {
    allowedKeys: new Set(["texts", "images", "input_type", "truncate", "embedding_types"]),
    truncateValues: ["NONE", "START", "END"],
    maxTextChars: 2048,
    dimensions: [1024],
    byTypeByDefault: false,
  },
);

export const cohereEmbedV4 = cohereFamily(
  "Cohere Embed v4",
  (modelId) => modelId.startsWith("cohere.embed-v4"),
  {
    allowedKeys: new Set([
      "texts",
      "images",
      "inputs",
      "input_type",
      "truncate",
      "embedding_types",
      "output_dimension",
      "max_tokens",
    ]),
    truncateValues: ["NONE", "LEFT", "RIGHT"],
    dimensions: [1536, 1024, 512, 256],
    byTypeByDefault: true,
  },
);
