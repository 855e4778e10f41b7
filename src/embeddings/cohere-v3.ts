import { type CohereOptions, cohereBody, cohereOptions, parseCohereResponse } from "./cohere.js";
import type { EmbeddingFamily } from "./family.js";

/**
 * Cohere Embed English v3 and Multilingual v3 (`cohere.embed-english-v3`, `cohere.embed-multilingual-v3`):
 * up to 96 texts per call, each at most 2,048 characters, 1024 dimensions.
 */
export const cohereV3: EmbeddingFamily<CohereOptions> = {
  name: "Cohere Embed v3 (English, Multilingual)",
  matches: (id) => /^cohere\.embed-(english|multilingual)-v3/.test(id),
  limits: { textsPerCall: 96, maxTextChars: 2048, dimensions: [1024] },
  options: cohereOptions(["NONE", "START", "END"]),
  requestBody: (texts, _dimensions, options) => cohereBody(texts, options),
  parseResponse: parseCohereResponse,
};
