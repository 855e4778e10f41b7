import { describe, expect, it } from "vitest";
import { readEmbeddingInput } from "../../src/dialects/openai/embeddings-input.js";
import { float32Base64, toEmbeddingsResponse } from "../../src/dialects/openai/embeddings-response.js";
import { GatewayError } from "../../src/errors.js";

async function refusal(input: unknown, max = 10): Promise<GatewayError> {
  const error = await readEmbeddingInput(input, max).catch((caught: unknown) => caught);
  if (!(error instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe("OpenAI embeddings input", () => {
  it("takes a string or an array of strings, naming each element", async () => {
    const one = await readEmbeddingInput("hello", 10);
    expect(one.texts).toEqual(["hello"]);
    expect(one.fieldOf(0)).toBe("input");
    const many = await readEmbeddingInput(["a", "b"], 10);
    expect(many.texts).toEqual(["a", "b"]);
    expect(many.fieldOf(1)).toBe("input[1]");
  });

  it.each([
    [undefined, "input", /required/],
    ["", "input", /empty string/],
    [[], "input", /empty array/],
    [["a", ""], "input[1]", /empty string/],
    [["a", 3], "input[1]", /must be a string/],
    [{ text: "a" }, "input", /must be a string, an array/],
    [true, "input", /must be a string, an array/],
    [[[1, 2], "x"], "input[1]", /token-id array/],
    [[[1, 2], []], "input[1]", /empty token array/],
    [[1, 2.5], "input[1]", /cl100k_base/],
    [[[5], [1, -1]], "input[1][1]", /cl100k_base/],
    [[100257], "input[0]", /cl100k_base/],
  ])("refuses %j naming %s", async (input, param, message) => {
    const error = await refusal(input);
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });

  it("states the limit on the number of inputs", async () => {
    const error = await refusal(["a", "b", "c"], 2);
    expect(error.param).toBe("input");
    expect(error.message).toContain("3 items");
    expect(error.message).toContain("at most 2");
  });

  it("decodes token arrays back to their exact text as cl100k_base", async () => {
    // As tiktoken's cl100k_base encodes them; the second splits characters across tokens.
    const single = await readEmbeddingInput([9906, 1917], 10);
    expect(single.texts).toEqual(["Hello world"]);
    const many = await readEmbeddingInput(
      [
        [220, 12908, 271, 943, 8128, 197, 23204],
        [
          3458, 38672, 588, 53050, 11410, 236, 231, 2001, 76502, 22656, 45918, 252, 16144, 57933, 62903,
          71634,
        ],
      ],
      10,
    );
    expect(many.texts).toEqual(["  spaces\n\nnewlines\t tabs", "naïve café 🎉 — 日本語のテキスト"]);
  });

  it("keeps a byte-order mark, as Python's tiktoken does (TextDecoder would drop it)", async () => {
    expect((await readEmbeddingInput([4117], 10)).texts).toEqual(["\ufeffusing"]);
  });
});

describe("OpenAI embeddings answer", () => {
  it("encodes base64 as little-endian float32, as OpenAI does", () => {
    // 1.0 = 0x3f800000, -2.5 = 0xc0200000, stored little-endian.
    expect(Buffer.from(float32Base64([1, -2.5]), "base64")).toEqual(
      Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]),
    );
  });

  it("has OpenAI's shape with usage from Bedrock's token count", () => {
    const answer = toEmbeddingsResponse({ vectors: [[0.1], [0.2]], inputTokens: 7 }, "m", "float");
    expect(answer).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [0.1] },
        { object: "embedding", index: 1, embedding: [0.2] },
      ],
      model: "m",
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
  });
});
