import { invalidRequest } from "../../errors.js";
import { decodeTokenArrays } from "./embeddings-tokens.js";

export interface EmbeddingInput {
  texts: string[];
  /** The request field each text came from: "input" for a single input, else "input[i]". */
  fieldOf(index: number): string;
}

const shapeMessage =
  "input must be a string, an array of strings, an array of token ids or an array of token-id arrays.";

function checkCount(count: number, maxInputs: number): void {
  if (count === 0) throw invalidRequest("input must not be an empty array.", "input");
  if (count > maxInputs) {
    throw invalidRequest(
      `input has ${count} items; this gateway accepts at most ${maxInputs} per request.`,
      "input",
    );
  }
}

/** OpenAI's `input` in all its shapes → the texts to embed, in order; 400 naming the element at fault. */
export async function readEmbeddingInput(input: unknown, maxInputs: number): Promise<EmbeddingInput> {
  const single = { fieldOf: () => "input" };
  const many = { fieldOf: (index: number) => `input[${index}]` };
  if (input === undefined || input === null) throw invalidRequest("input is required.", "input");
  if (typeof input === "string") {
    if (input === "") throw invalidRequest("input must not be an empty string.", "input");
    return { texts: [input], ...single };
  }
  if (!Array.isArray(input)) throw invalidRequest(shapeMessage, "input");
  const first: unknown = input[0];
  if (typeof first === "number")
    return { texts: await decodeTokenArrays([input], single.fieldOf), ...single };
  checkCount(input.length, maxInputs);
  if (Array.isArray(first)) {
    const arrays = input.map((item, index) => {
      if (!Array.isArray(item))
        throw invalidRequest(`${many.fieldOf(index)} must be a token-id array.`, many.fieldOf(index));
      return item as unknown[];
    });
    return { texts: await decodeTokenArrays(arrays, many.fieldOf), ...many };
  }
  input.forEach((item, index) => {
    if (typeof item !== "string")
      throw invalidRequest(`${many.fieldOf(index)} must be a string.`, many.fieldOf(index));
    if (item === "")
      throw invalidRequest(`${many.fieldOf(index)} must not be an empty string.`, many.fieldOf(index));
  });
  return { texts: input as string[], ...many };
}
