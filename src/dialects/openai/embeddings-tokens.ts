import type { Tiktoken } from "js-tiktoken/lite";
import { invalidRequest } from "../../errors.js";

/**
 * OpenAI lets `input` be token ids instead of text, and tiktoken-based clients send them by default
 * (LangChain's OpenAIEmbeddings does, for any model name tiktoken does not know, with cl100k_base).
 * Bedrock models have tokenizers of their own, so the ids are decoded back to the exact text they
 * encode, as cl100k_base, the encoding of OpenAI's embedding models, and that text is embedded.
 */

/** cl100k_base's ordinary tokens; 100256 is unused and the ids above it are special tokens. */
const LAST_ORDINARY_TOKEN = 100_255;

let encoding: Promise<Tiktoken> | undefined;

/** The tokenizer's tables take a second and ~45 MB to load, so only a request that needs them pays. */
function cl100k(): Promise<Tiktoken> {
  encoding ??= Promise.all([import("js-tiktoken/lite"), import("js-tiktoken/ranks/cl100k_base")]).then(
    ([{ Tiktoken }, ranks]) => new Tiktoken(ranks.default),
    (error: unknown) => {
      encoding = undefined;
      throw error;
    },
  );
  return encoding;
}

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
  const tokenizer = await cl100k();
  return arrays.map((tokens) => tokenizer.decode(tokens as number[]));
}
