import { describe, expect, it } from "vitest";
import { cohereV3 } from "../../src/embeddings/cohere-v3.js";
import { cohereV4 } from "../../src/embeddings/cohere-v4.js";
import { embeddingFamilyFor } from "../../src/embeddings/families.js";
import type { EmbeddingFamily } from "../../src/embeddings/family.js";
import { baseModelId } from "../../src/embeddings/model-id.js";
import { nova } from "../../src/embeddings/nova.js";
import { type EmbeddingRequest, prepareEmbeddingCalls } from "../../src/embeddings/prepare.js";
import { titanV1 } from "../../src/embeddings/titan-v1.js";
import { titanV2 } from "../../src/embeddings/titan-v2.js";
import { GatewayError } from "../../src/errors.js";

describe("model family from the model id", () => {
  it.each([
    ["amazon.titan-embed-text-v2:0", titanV2],
    ["amazon.titan-embed-text-v1", titanV1],
    ["amazon.titan-embed-text-v1:2:8k", titanV1],
    ["cohere.embed-english-v3", cohereV3],
    ["cohere.embed-multilingual-v3", cohereV3],
    ["cohere.embed-v4:0", cohereV4],
    ["us.cohere.embed-v4:0", cohereV4],
    ["global.cohere.embed-v4:0", cohereV4],
    ["us-gov.amazon.titan-embed-text-v2:0", titanV2],
    ["amazon.nova-2-multimodal-embeddings-v1:0", nova],
    ["eu.amazon.nova-2-multimodal-embeddings-v1:0", nova],
    ["arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0", titanV2],
    ["arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.cohere.embed-v4:0", cohereV4],
  ])("%s", (id, family) => {
    expect(embeddingFamilyFor(id)).toBe(family);
  });

  it.each([
    "amazon.nova-lite-v1:0",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "amazon.titan-embed-image-v1",
    "text-embedding-3-small",
    "",
  ])("none for %j", (id) => {
    expect(embeddingFamilyFor(id)).toBeUndefined();
  });

  it("keeps ids without a geography as they are", () => {
    expect(baseModelId("cohere.embed-v4:0")).toBe("cohere.embed-v4:0");
    expect(baseModelId("apac.amazon.titan-embed-text-v2:0")).toBe("amazon.titan-embed-text-v2:0");
  });
});

function request(texts: string[], more: Partial<EmbeddingRequest> = {}): EmbeddingRequest {
  return { texts, fieldOf: (index) => `input[${index}]`, dimensions: undefined, extra: {}, ...more };
}

function refusal(family: EmbeddingFamily, input: EmbeddingRequest): GatewayError {
  try {
    prepareEmbeddingCalls(family, input);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("request bodies", () => {
  it("Titan v2: one text per call, dimensions and normalize only when asked", () => {
    const calls = prepareEmbeddingCalls(titanV2, request(["a", "b"], { extra: { normalize: false } }));
    expect(calls.batches).toEqual([["a"], ["b"]]);
    expect(calls.requestBody(["a"])).toEqual({ inputText: "a", normalize: false });
    const sized = prepareEmbeddingCalls(titanV2, request(["a"], { dimensions: 256 }));
    expect(sized.requestBody(["a"])).toEqual({ inputText: "a", dimensions: 256 });
  });

  it("Titan v1: inputText alone; its fixed 1536 dimensions may be named", () => {
    const calls = prepareEmbeddingCalls(titanV1, request(["a"], { dimensions: 1536 }));
    expect(calls.requestBody(["a"])).toEqual({ inputText: "a" });
  });

  it("Cohere: batches of 96, input_type search_document unless overridden, float by type", () => {
    const texts = Array.from({ length: 200 }, (_, i) => `t${i}`);
    const calls = prepareEmbeddingCalls(cohereV3, request(texts));
    expect(calls.batches.map((batch) => batch.length)).toEqual([96, 96, 8]);
    expect(calls.batches.flat()).toEqual(texts);
    expect(calls.requestBody(["x"])).toEqual({
      texts: ["x"],
      input_type: "search_document",
      embedding_types: ["float"],
    });
    const query = prepareEmbeddingCalls(
      cohereV4,
      request(["q"], {
        dimensions: 512,
        extra: { input_type: "search_query", truncate: "RIGHT", embedding_types: ["int8"] },
      }),
    );
    expect(query.requestBody(["q"])).toEqual({
      texts: ["q"],
      input_type: "search_query",
      embedding_types: ["int8"],
      truncate: "RIGHT",
      output_dimension: 512,
    });
  });

  it("Nova: the SINGLE_EMBEDDING schema with purpose, dimension and truncation", () => {
    const calls = prepareEmbeddingCalls(
      nova,
      request(["hello"], { dimensions: 384, extra: { embedding_purpose: "TEXT_RETRIEVAL" } }),
    );
    expect(calls.requestBody(["hello"])).toEqual({
      schemaVersion: "nova-multimodal-embed-v1",
      taskType: "SINGLE_EMBEDDING",
      singleEmbeddingParams: {
        embeddingPurpose: "TEXT_RETRIEVAL",
        embeddingDimension: 384,
        text: { truncationMode: "NONE", value: "hello" },
      },
    });
  });
});

describe("limits refused before any call", () => {
  it.each([
    [titanV2, 300, "1024, 512, 256"],
    [titanV1, 1024, "1536"],
    [cohereV3, 512, "1024"],
    [cohereV4, 100, "1536, 1024, 512, 256"],
    [nova, 512, "3072, 1024, 384, 256"],
  ] as const)("%#: a dimension the model lacks names dimensions", (family, dimensions, listed) => {
    const error = refusal(family, request(["a"], { dimensions }));
    expect(error.status).toBe(400);
    expect(error.param).toBe("dimensions");
    expect(error.message).toContain(listed);
  });

  it.each([
    [titanV2, 50_000],
    [titanV1, 50_000],
    [cohereV3, 2048],
    [nova, 8192],
  ] as const)("%#: a text over the limit names the input and the limit", (family, max) => {
    expect(() => prepareEmbeddingCalls(family, request(["a".repeat(max)]))).not.toThrow();
    const error = refusal(family, request(["ok", "a".repeat(max + 1)]));
    expect(error.param).toBe("input[1]");
    expect(error.message).toContain(`at most ${max}`);
  });

  it("counts characters, not UTF-16 units", () => {
    expect(() => prepareEmbeddingCalls(cohereV3, request(["🎉".repeat(2048)]))).not.toThrow();
  });

  it("refuses fields the family does not take, naming the field and what it takes", () => {
    const error = refusal(titanV2, request(["a"], { extra: { input_type: "search_query" } }));
    expect(error.param).toBe("input_type");
    expect(error.message).toContain("normalize");
    expect(refusal(titanV1, request(["a"], { extra: { normalize: true } })).message).toContain("takes none");
  });

  it("refuses bad values of family fields, naming them", () => {
    expect(refusal(cohereV3, request(["a"], { extra: { input_type: "poem" } })).param).toBe("input_type");
    expect(refusal(cohereV3, request(["a"], { extra: { truncate: "LEFT" } })).param).toBe("truncate");
    const twoTypes = refusal(cohereV4, request(["a"], { extra: { embedding_types: ["float", "int8"] } }));
    expect(twoTypes.param).toBe("embedding_types");
    expect(twoTypes.message).toContain("exactly one");
    expect(refusal(nova, request(["a"], { extra: { embedding_purpose: "x" } })).param).toBe(
      "embedding_purpose",
    );
  });
});

describe("answers", () => {
  it("Titan reports its token count in the body", () => {
    expect(titanV2.parseResponse({ embedding: [0.5], inputTextTokenCount: 3 }, {})).toEqual({
      vectors: [[0.5]],
      inputTokens: 3,
    });
  });

  it("Cohere: by type, the requested type, or the older bare list", () => {
    const body = {
      embeddings: { float: [[0.1], [0.2]], int8: [[1], [2]] },
      response_type: "embeddings_by_type",
    };
    expect(cohereV4.parseResponse(body, {}).vectors).toEqual([[0.1], [0.2]]);
    expect(cohereV4.parseResponse(body, { embedding_types: ["int8"] }).vectors).toEqual([[1], [2]]);
    expect(
      cohereV3.parseResponse({ embeddings: [[0.3]], response_type: "embeddings_floats" }, {}).vectors,
    ).toEqual([[0.3]]);
    expect(() => cohereV3.parseResponse({ embeddings: { int8: [[1]] } }, {})).toThrow(/float/);
  });

  it("Nova: the one embedding of a text request", () => {
    expect(nova.parseResponse({ embeddings: [{ embeddingType: "TEXT", embedding: [1, 2] }] }, {})).toEqual({
      vectors: [[1, 2]],
    });
    expect(() => nova.parseResponse({ embeddings: [] }, {})).toThrow();
  });
});
