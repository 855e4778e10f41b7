import * as z from "zod";
import type { EmbeddingFamily } from "./family.js";
import { parseTitanResponse } from "./titan-v1.js";

const options = z.strictObject({
  /** Titan's own switch; true (the model's default) returns unit-length vectors. */
  normalize: z.boolean().optional(),
});

/**
 * Amazon Titan Text Embeddings V2 (`amazon.titan-embed-text-v2:0`): one text per call, at most 50,000
 * characters (8,192 tokens), `dimensions` 1024 (default), 512 or 256, optional `normalize`.
 */
export const titanV2: EmbeddingFamily<z.infer<typeof options>> = {
  name: "Amazon Titan Text Embeddings V2",
  matches: (id) => id.startsWith("amazon.titan-embed-text-v2"),
  limits: { textsPerCall: 1, maxTextChars: 50_000, dimensions: [1024, 512, 256] },
  options,
  requestBody: ([text], dimensions, { normalize }) => ({
    inputText: text,
    ...(dimensions === undefined ? {} : { dimensions }),
    ...(normalize === undefined ? {} : { normalize }),
  }),
  parseResponse: parseTitanResponse,
};
