import { type CohereOptions, cohereBody, cohereOptions, parseCohereResponse } from "./cohere.js";
import type { EmbeddingFamily } from "./family.js";

/**
 * Cohere Embed v4 (`cohere.embed-v4:0`): up to 96 texts per call, `output_dimension` 1536 (default), 1024,
 * 512 or 256. Its context is about 128k tokens and no character limit is documented, so Bedrock judges length.
 */
export const cohereV4: EmbeddingFamily<CohereOptions> = {
  name: "Cohere Embed v4",
  matches: (id) => id.startsWith("cohere.embed-v4"),
  limits: { textsPerCall: 96, dimensions: [1536, 1024, 512, 256] },
  options: cohereOptions(["NONE", "LEFT", "RIGHT"]),
  requestBody: (texts, dimensions, options) => ({
    ...cohereBody(texts, options),
    ...(dimensions === undefined ? {} : { output_dimension: dimensions }),
  }),
  parseResponse: parseCohereResponse,
};
