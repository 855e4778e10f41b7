import { countTokens } from "../converse/request.js";
import type { InvokeFamily } from "./family.js";
import { embed } from "./titan-embed-text-v2.js";
import { malformed, requireFields } from "./validation.js";

/**
 * Amazon Titan Embeddings G1 - Text (`amazon.titan-embed-text-v1`). Request: `{"inputText"}` and nothing
 * else; answer `{"embedding": 1536 floats, "inputTextTokenCount"}`.
 */
const ALLOWED_KEYS = new Set(["inputText"]);

export const titanEmbedTextV1: InvokeFamily = {
  name: "Amazon Titan Embeddings G1 - Text",
  matches: (modelId) => modelId.startsWith("amazon.titan-embed-text-v1"),
  promptText(body) {
    const inputText = (body as { inputText?: unknown } | undefined)?.inputText;
    return typeof inputText === "string" ? inputText : undefined;
  },
  invoke({ body, prompt }) {
    const { inputText } = requireFields(body, ALLOWED_KEYS);
    if (typeof inputText !== "string") throw malformed("#: required key [inputText] not found");
    if (inputText.length === 0) throw malformed("#/inputText: expected minLength: 1, actual: 0");
    const inputTextTokenCount = Math.max(1, countTokens([prompt]));
    return {
      body: { embedding: embed(prompt, 1536, true), inputTextTokenCount },
      inputTokens: inputTextTokenCount,
      outputTokens: 0,
    };
  },
};
