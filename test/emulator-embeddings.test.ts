import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSdkRuntime } from "../src/bedrock/sdk-runtime.js";
import { embed } from "../src/emulator/invoke/titan-embed-text-v2.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { useEmulatorEnvironment } from "./helpers/gateway.js";

/**
 * The emulator's embedding families answer each model's real InvokeModel format and refuse malformed
 * bodies with ValidationException, as Bedrock does. Driven through the gateway's own SDK transport,
 * which also proves it reads the token-count header.
 */

let emulator: Emulator;
let runtime: ReturnType<typeof createSdkRuntime>;

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  useEmulatorEnvironment(emulator);
  runtime = createSdkRuntime({ region: "us-east-1", maxAttempts: 1 });
});
afterAll(async () => {
  runtime?.destroy();
  await emulator?.close();
});

async function invoke(modelId: string, body: unknown) {
  const result = await runtime.invokeModel({ modelId, body: JSON.stringify(body) });
  return { body: JSON.parse(Buffer.from(result.body).toString("utf8")), tokens: result.inputTokenCount };
}

async function refusal(modelId: string, body: unknown): Promise<Error & { name: string }> {
  const error = await invoke(modelId, body).catch((caught: unknown) => caught);
  if (!(error instanceof Error)) throw new Error("expected a refusal");
  return error;
}

describe("Titan Embeddings G1 - Text", () => {
  const model = "amazon.titan-embed-text-v1";

  it("answers 1536 floats and the token count, in the body and the header", async () => {
    const { body, tokens } = await invoke(model, { inputText: "one two three" });
    expect(body).toEqual({ embedding: embed("one two three", 1536, true), inputTextTokenCount: 3 });
    expect(tokens).toBe(3);
  });

  it.each([[{ inputText: "x", dimensions: 256 }], [{}], [{ inputText: "" }], [["x"]]])(
    "refuses %j",
    async (body) => {
      expect((await refusal(model, body)).name).toBe("ValidationException");
    },
  );
});

describe.each([
  ["cohere.embed-english-v3", 1024, "embeddings_floats"],
  ["cohere.embed-multilingual-v3", 1024, "embeddings_floats"],
  ["cohere.embed-v4:0", 1536, "embeddings_by_type"],
])("%s", (model, dimensions, defaultShape) => {
  it("embeds a batch, reporting tokens in the header only", async () => {
    const texts = ["alpha beta", "gamma"];
    const { body, tokens } = await invoke(model, { texts, input_type: "search_document" });
    const vectors = texts.map((text) => embed(text, dimensions, true));
    expect(body.response_type).toBe(defaultShape);
    expect(body.texts).toEqual(texts);
    expect(body.embeddings).toEqual(defaultShape === "embeddings_floats" ? vectors : { float: vectors });
    expect(tokens).toBe(3);
  });

  it("answers by type when embedding_types is given, with quantised types of the right size", async () => {
    const { body } = await invoke(model, {
      texts: ["a"],
      input_type: "search_query",
      embedding_types: ["float", "int8", "ubinary"],
    });
    expect(body.response_type).toBe("embeddings_by_type");
    expect(body.embeddings.float[0]).toHaveLength(dimensions);
    expect(body.embeddings.int8[0]).toHaveLength(dimensions);
    expect(body.embeddings.ubinary[0]).toHaveLength(dimensions / 8);
  });

  it.each([
    ["no input_type", { texts: ["a"] }],
    ["an unknown input_type", { texts: ["a"], input_type: "poetry" }],
    ["97 texts", { texts: Array.from({ length: 97 }, () => "a"), input_type: "clustering" }],
    ["texts that are not strings", { texts: [1], input_type: "clustering" }],
    ["an extraneous key", { texts: ["a"], input_type: "clustering", dimensions: 10 }],
    ["an unknown embedding type", { texts: ["a"], input_type: "clustering", embedding_types: ["double"] }],
  ])("refuses %s", async (_name, body) => {
    expect((await refusal(model, body)).name).toBe("ValidationException");
  });
});

describe("Cohere version differences", () => {
  it("v3 refuses texts over 2,048 characters and v4's truncate values; v4 takes output_dimension", async () => {
    const v3 = "cohere.embed-english-v3";
    const long = { texts: ["a".repeat(2049)], input_type: "search_document" };
    expect((await refusal(v3, long)).name).toBe("ValidationException");
    expect((await refusal(v3, { texts: ["a"], input_type: "search_document", truncate: "LEFT" })).name).toBe(
      "ValidationException",
    );
    const v4 = "cohere.embed-v4:0";
    const sized = await invoke(v4, { ...long, output_dimension: 256, truncate: "LEFT" });
    expect(sized.body.embeddings.float[0]).toHaveLength(256);
    expect(
      (await refusal(v4, { texts: ["a"], input_type: "search_document", output_dimension: 300 })).name,
    ).toBe("ValidationException");
  });
});

describe("Nova Multimodal Embeddings", () => {
  const model = "amazon.nova-2-multimodal-embeddings-v1:0";
  const request = (params: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
    schemaVersion: "nova-multimodal-embed-v1",
    taskType: "SINGLE_EMBEDDING",
    singleEmbeddingParams: {
      embeddingPurpose: "GENERIC_INDEX",
      text: { truncationMode: "END", value: "hello there" },
      ...params,
    },
    ...top,
  });

  it("embeds text at 3072 dimensions by default, or the dimension asked", async () => {
    const { body, tokens } = await invoke(model, request({}));
    expect(body).toEqual({
      embeddings: [{ embeddingType: "TEXT", embedding: embed("hello there", 3072, true) }],
    });
    expect(tokens).toBe(2);
    const small = await invoke(model, request({ embeddingDimension: 256 }));
    expect(small.body.embeddings[0].embedding).toHaveLength(256);
  });

  it.each([
    ["a dimension it lacks", request({ embeddingDimension: 512 })],
    ["no embeddingPurpose", request({ embeddingPurpose: undefined })],
    ["no truncationMode", request({ text: { value: "x" } })],
    ["text over 8,192 characters", request({ text: { truncationMode: "NONE", value: "a".repeat(8193) } })],
    ["two modalities", request({ image: { format: "png", source: { bytes: "AA==" } } })],
    ["another taskType", request({}, { taskType: "SEGMENTED_EMBEDDING" })],
    ["no taskType", request({}, { taskType: undefined })],
    ["an extraneous key", request({ dimensions: 256 })],
  ])("refuses %s", async (_name, body) => {
    expect((await refusal(model, body)).name).toBe("ValidationException");
  });
});
