import { countTokens } from "../converse/request.js";
import type { InvokeFamily } from "./family.js";
import { embed } from "./titan-embed-text-v2.js";
import { malformed, requireEnum, requireFields } from "./validation.js";

/**
 * Amazon Nova Multimodal Embeddings (`amazon.nova-2-multimodal-embeddings-v1:0`), synchronous and
 * text-only here. Request: `{"schemaVersion"?: "nova-multimodal-embed-v1", "taskType": "SINGLE_EMBEDDING",
 * "singleEmbeddingParams": {"embeddingPurpose", "embeddingDimension"?: 256|384|1024|3072 (3072),
 * "text": {"truncationMode", "value" ≤ 8,192 characters}}}`. Answer: `{"embeddings": [{"embeddingType":
 * "TEXT", "embedding"}]}`; tokens are reported in a response header only.
 */

const PURPOSES = [
  "GENERIC_INDEX",
  "GENERIC_RETRIEVAL",
  "TEXT_RETRIEVAL",
  "IMAGE_RETRIEVAL",
  "VIDEO_RETRIEVAL",
  "DOCUMENT_RETRIEVAL",
  "AUDIO_RETRIEVAL",
  "CLASSIFICATION",
  "CLUSTERING",
];
const MEDIA = ["image", "audio", "video"];

function textValue(body: unknown): unknown {
  const params = (body as { singleEmbeddingParams?: { text?: { value?: unknown } } } | undefined)
    ?.singleEmbeddingParams;
  return params?.text?.value;
}

export const novaMultimodalEmbeddings: InvokeFamily = {
  name: "Amazon Nova Multimodal Embeddings",
  matches: (modelId) => /^amazon\.nova-[a-z0-9-]*multimodal-embeddings/.test(modelId),
  promptText(body) {
    const value = textValue(body);
    return typeof value === "string" ? value : undefined;
  },
  invoke({ body, prompt }) {
    const request = requireFields(body, new Set(["schemaVersion", "taskType", "singleEmbeddingParams"]));
    requireEnum(
      request.schemaVersion,
      ["nova-multimodal-embed-v1"],
      "#/schemaVersion",
      "nova-multimodal-embed-v1",
    );
    requireEnum(request.taskType, ["SINGLE_EMBEDDING"], "#/taskType");
    if (request.singleEmbeddingParams === undefined)
      throw malformed("#: required key [singleEmbeddingParams] not found");
    const params = requireFields(
      request.singleEmbeddingParams,
      new Set(["embeddingPurpose", "embeddingDimension", "text", ...MEDIA]),
      "#/singleEmbeddingParams",
    );
    requireEnum(params.embeddingPurpose, PURPOSES, "#/singleEmbeddingParams/embeddingPurpose");
    const dimension = requireEnum(
      params.embeddingDimension,
      [256, 384, 1024, 3072],
      "#/singleEmbeddingParams/embeddingDimension",
      3072,
    );
    const present = ["text", ...MEDIA].filter((key) => params[key] !== undefined);
    if (present.length !== 1)
      throw malformed("#/singleEmbeddingParams: exactly one of text, image, audio, video is required");
    if (present[0] !== "text")
      throw malformed("the emulator embeds text only (image, audio and video are not emulated)");
    const text = requireFields(
      params.text,
      new Set(["truncationMode", "value", "source"]),
      "#/singleEmbeddingParams/text",
    );
    requireEnum(text.truncationMode, ["START", "END", "NONE"], "#/singleEmbeddingParams/text/truncationMode");
    if (typeof text.value !== "string")
      throw malformed("the emulator embeds inline text only: #/singleEmbeddingParams/text/value is required");
    if (text.value.length === 0)
      throw malformed("#/singleEmbeddingParams/text/value: expected minLength: 1, actual: 0");
    const length = [...text.value].length;
    if (length > 8192)
      throw malformed(`#/singleEmbeddingParams/text/value: expected maxLength: 8192, actual: ${length}`);
    return {
      body: { embeddings: [{ embeddingType: "TEXT", embedding: embed(prompt, dimension, true) }] },
      inputTokens: Math.max(1, countTokens([prompt])),
      outputTokens: 0,
    };
  },
};
