import { invalidRequest } from "../../errors.js";
import { type TokenDecoder, tokenDecoder } from "./cl100k-decoder.js";

/**
 * OpenAI lets `input` be token ids instead of text, and tiktoken-based clients send them by default
 * (LangChain's OpenAIEmbeddings does, for any model name tiktoken does not know, with cl100k_base).
 * Bedrock models have tokenizers of their own, so the ids are decoded back to the exact text they
 * encode, as cl100k_base, the encoding of OpenAI's embedding models, and that text is embedded.
 */

let decoder: Promise<TokenDecoder> | undefined;

/** The rank table is 1.6 MB of source: only a request that needs it loads it (once, about 0.3 s). */
function cl100k(): Promise<TokenDecoder> {
  decoder ??= import("js-tiktoken/ranks/cl100k_base").then(
    (ranks) => tokenDecoder(ranks.default),
    (error: unknown) => {
      decoder = undefined;
      throw error;
    },
  );
  return decoder;
}

/** cl100k_base's ordinary tokens; 100256 is unused and the ids above it are special tokens. */
const LAST_ORDINARY_TOKEN = 100_255;

/** Checks every id and decodes each token array to its text; errors name the element at fault. */
export async function decodeTokenArrays(arrays: unknown[][], fieldOf: (index: number) => string) {
  arrays.forEach((tokens, index) => {
    if (tokens.length === 0)
      throw invalidRequest(`${fieldOf(index)} is an empty token array.`, fieldOf(index));
    const bad = tokens.findIndex(
      (token) => !Number.isInteger(token) || (token as number) < 0 || (token as number) > LAST_ORDINARY_TOKEN,
    );
    if (bad >= 0) {
      throw invalidRequest(
        `${fieldOf(index)}[${bad}] is not a cl100k_base token id (0 to ${LAST_ORDINARY_TOKEN}); token arrays are read as cl100k_base, or send text.`,
        `${fieldOf(index)}[${bad}]`,
      );
    }
  });
  const cl100kBase = await cl100k();
  return arrays.map((tokens) => cl100kBase.decode(tokens as number[]));
}
