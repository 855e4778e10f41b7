import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../src/config/index.js";
import { createDeps, type Deps } from "../src/deps.js";
import { embed } from "../src/emulator/invoke/titan-embed-text-v2.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";

const TITAN_V2 = "amazon.titan-embed-text-v2:0";
const COHERE_V4 = "cohere.embed-v4:0";
const NOVA = "amazon.nova-2-multimodal-embeddings-v1:0";
const CONCURRENCY = 4;

let emulator: Emulator;
let gateway: RunningGateway;
let client: OpenAI;
/** Most InvokeModel calls the gateway had in flight at once, seen at its Bedrock transport. */
let mostInFlight = 0;

/** The real SDK transport, with a counter of calls in flight around invokeModel. */
function countingDeps(config: Config): Deps {
  const deps = createDeps(config);
  let inFlight = 0;
  const invokeModel = deps.bedrock.invokeModel.bind(deps.bedrock);
  deps.bedrock.invokeModel = async (request, signal) => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    try {
      return await invokeModel(request, signal);
    } finally {
      inFlight--;
    }
  };
  return deps;
}

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  gateway = await startGateway(
    emulator,
    {
      MODEL_ALIASES: `{"embedder":"${TITAN_V2}"}`,
      EMBEDDINGS_MAX_CONCURRENCY: String(CONCURRENCY),
      EMBEDDINGS_MAX_INPUTS: "300",
    },
    countingDeps,
  );
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
});
beforeEach(() => {
  emulator.reset();
  mostInFlight = 0;
});

const invokes = () => emulator.requests.filter((r) => r.operation === "InvokeModel");
const sentBodies = () => invokes().map((r) => r.body as Record<string, unknown>);
/** What the emulator embeds a text as, after its trip through JSON: the gateway must hand back exactly this. */
const expected = (text: string, dimensions: number): number[] =>
  JSON.parse(JSON.stringify(embed(text, dimensions, true)));

const texts = ["the cat sat on the mat", "quantum chromodynamics lattice"];

describe.each([
  [TITAN_V2, 1024, 2],
  ["amazon.titan-embed-text-v1", 1536, 2],
  ["cohere.embed-english-v3", 1024, 1],
  ["cohere.embed-multilingual-v3", 1024, 1],
  [COHERE_V4, 1536, 1],
  [NOVA, 3072, 2],
])("%s", (model, dimensions, calls) => {
  it("answers floats in OpenAI's shape, in order, with usage from Bedrock", async () => {
    const answer = await client.embeddings.create({ model, input: texts, encoding_format: "float" });
    expect(answer.object).toBe("list");
    expect(answer.model).toBe(model);
    expect(answer.data.map((item) => [item.object, item.index])).toEqual([
      ["embedding", 0],
      ["embedding", 1],
    ]);
    expect(answer.data[0]?.embedding).toEqual(expected(texts[0] ?? "", dimensions));
    expect(answer.data[1]?.embedding).toEqual(expected(texts[1] ?? "", dimensions));
    // 6 + 3 words: the emulator counts words, in the body (Titan) or the token header (Cohere, Nova).
    expect(answer.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });
    expect(invokes()).toHaveLength(calls);
    expect(invokes().every((r) => r.modelId === model)).toBe(true);
  });

  it("answers base64 that the openai SDK decodes to the same vectors (its default)", async () => {
    const answer = await client.embeddings.create({ model, input: texts });
    expect(invokes().length).toBe(calls);
    for (const [index, text] of texts.entries()) {
      expect(answer.data[index]?.embedding).toEqual(expected(text, dimensions).map(Math.fround));
    }
  });
});

describe("the raw HTTP answer", () => {
  async function post(body: unknown) {
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("carries base64 strings of little-endian float32, exactly as OpenAI encodes them", async () => {
    const { status, body } = await post({ model: COHERE_V4, input: texts, encoding_format: "base64" });
    expect(status).toBe(200);
    const data = body.data as { embedding: unknown }[];
    for (const [index, text] of texts.entries()) {
      const encoded = data[index]?.embedding;
      expect(typeof encoded).toBe("string");
      const bytes = Buffer.from(encoded as string, "base64");
      expect(bytes.length).toBe(1536 * 4);
      const decoded = Array.from({ length: 1536 }, (_, i) => bytes.readFloatLE(i * 4));
      expect(decoded).toEqual(expected(text, 1536).map(Math.fround));
    }
  });

  it("carries JSON numbers for float, and float is the default without encoding_format", async () => {
    const { body } = await post({ model: TITAN_V2, input: "one text" });
    const data = body.data as { embedding: unknown }[];
    expect(data).toHaveLength(1);
    expect(data[0]?.embedding).toEqual(expected("one text", 1024));
    expect(body.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
  });
});

describe("model parameters reach Bedrock in each family's format", () => {
  it("Titan v2: dimensions and normalize", async () => {
    const answer = await client.embeddings.create({
      model: TITAN_V2,
      input: "a b",
      dimensions: 256,
      encoding_format: "float",
      // @ts-expect-error a Titan field beyond OpenAI's, passed as the SDK passes unknown fields
      normalize: false,
    });
    expect(answer.data[0]?.embedding).toHaveLength(256);
    expect(sentBodies()).toEqual([{ inputText: "a b", dimensions: 256, normalize: false }]);
  });

  it("Cohere: input_type defaults to search_document and can be overridden; dimensions → output_dimension", async () => {
    await client.embeddings.create({ model: "cohere.embed-english-v3", input: ["doc"] });
    await client.embeddings.create({
      model: COHERE_V4,
      input: ["query"],
      dimensions: 512,
      // @ts-expect-error Cohere fields beyond OpenAI's
      input_type: "search_query",
      truncate: "RIGHT",
    });
    expect(sentBodies()).toEqual([
      { texts: ["doc"], input_type: "search_document", embedding_types: ["float"] },
      {
        texts: ["query"],
        input_type: "search_query",
        embedding_types: ["float"],
        truncate: "RIGHT",
        output_dimension: 512,
      },
    ]);
  });

  it("Cohere: one embedding_types other than float returns that type's values", async () => {
    const answer = await client.embeddings.create({
      model: COHERE_V4,
      input: "x y",
      dimensions: 256,
      encoding_format: "float",
      // @ts-expect-error a Cohere field beyond OpenAI's
      embedding_types: ["ubinary"],
    });
    const values = answer.data[0]?.embedding ?? [];
    expect(values).toHaveLength(256 / 8);
    expect(values.every((value) => Number.isInteger(value) && value >= 0 && value <= 255)).toBe(true);
  });

  it("Nova: purpose, dimension and truncation in the SINGLE_EMBEDDING schema", async () => {
    const answer = await client.embeddings.create({
      model: NOVA,
      input: "hello nova",
      dimensions: 384,
      encoding_format: "float",
      // @ts-expect-error a Nova field beyond OpenAI's
      embedding_purpose: "TEXT_RETRIEVAL",
    });
    expect(answer.data[0]?.embedding).toEqual(expected("hello nova", 384));
    expect(sentBodies()).toEqual([
      {
        schemaVersion: "nova-multimodal-embed-v1",
        taskType: "SINGLE_EMBEDDING",
        singleEmbeddingParams: {
          embeddingPurpose: "TEXT_RETRIEVAL",
          embeddingDimension: 384,
          text: { truncationMode: "NONE", value: "hello nova" },
        },
      },
    ]);
  });

  it("resolves aliases and accepts model ARNs, answering with the name the caller used", async () => {
    const alias = await client.embeddings.create({ model: "embedder", input: "x" });
    expect(alias.model).toBe("embedder");
    const arn = `arn:aws:bedrock:us-east-1::foundation-model/${COHERE_V4}`;
    const byArn = await client.embeddings.create({ model: arn, input: "x" });
    expect(byArn.model).toBe(arn);
    expect(invokes().map((r) => r.modelId)).toEqual([TITAN_V2, arn]);
  });

  it("decodes cl100k_base token arrays (what LangChain sends) back to their text", async () => {
    // "Hello world" and "naïve café" as tiktoken's cl100k_base encodes them.
    const answer = await client.embeddings.create({
      model: TITAN_V2,
      input: [
        [9906, 1917],
        [3458, 38672, 588, 53050],
      ],
      encoding_format: "float",
    });
    expect(sentBodies().map((body) => body.inputText)).toEqual(["Hello world", "naïve café"]);
    expect(answer.data[1]?.embedding).toEqual(expected("naïve café", 1024));
  });
});

describe("concurrency", () => {
  it("Titan: many one-text calls, at most EMBEDDINGS_MAX_CONCURRENCY at once, answered in input order", async () => {
    // Earlier inputs stall longer, so the calls finish roughly in reverse order.
    const many = Array.from({ length: 24 }, (_, i) => `text number ${i} @@stall:${(24 - i) * 4}`);
    const answer = await client.embeddings.create({ model: TITAN_V2, input: many, encoding_format: "float" });
    expect(answer.data.map((item) => item.index)).toEqual(many.map((_, i) => i));
    for (const [i, item] of answer.data.entries()) {
      expect(item.embedding).toEqual(expected(`text number ${i}`, 1024));
    }
    expect(invokes()).toHaveLength(24);
    expect(mostInFlight).toBe(CONCURRENCY);
  });

  it("Cohere: batches of 96 run side by side and come back in input order", async () => {
    const many = Array.from({ length: 200 }, (_, i) => `doc ${i}`);
    many[0] = "doc 0 @@stall:150";
    const answer = await client.embeddings.create({ model: "cohere.embed-multilingual-v3", input: many });
    expect(
      invokes()
        .map((r) => (r.body as { texts: string[] }).texts.length)
        .sort(),
    ).toEqual([8, 96, 96]);
    expect(answer.data).toHaveLength(200);
    for (const [i, item] of answer.data.entries()) {
      expect(item.embedding).toEqual(expected(`doc ${i}`, 1024).map(Math.fround));
    }
    expect(mostInFlight).toBe(3);
  });
});

describe("errors are OpenAI-shaped 4xx naming the field", () => {
  async function failure(body: Record<string, unknown>) {
    const error = await client.embeddings
      .create({ model: TITAN_V2, input: "x", encoding_format: "float", ...body } as never)
      .catch((caught: unknown) => caught);
    if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an API error, got ${String(error)}`);
    return error;
  }

  it.each([
    ["an empty string", { input: "" }, "input", /empty string/],
    ["an empty list", { input: [] }, "input", /empty array/],
    ["an empty string in a list", { input: ["a", ""] }, "input[1]", /empty string/],
    ["a non-string input", { input: [{ text: "a" }] }, "input[0]", /must be a string/],
    ["too many inputs", { input: Array.from({ length: 301 }, () => "a") }, "input", /301 items.*at most 300/],
    [
      "a Titan text over 50,000 characters",
      { input: ["ok", "a".repeat(50_001)] },
      "input[1]",
      /at most 50000/,
    ],
    [
      "a Cohere v3 text over 2,048 characters",
      { model: "cohere.embed-english-v3", input: "a".repeat(2049) },
      "input",
      /at most 2048/,
    ],
    ["a Nova text over 8,192 characters", { model: NOVA, input: "a".repeat(8193) }, "input", /at most 8192/],
    ["a dimension Titan v2 lacks", { dimensions: 300 }, "dimensions", /1024, 512, 256/],
    [
      "a dimension Cohere v3 lacks",
      { model: "cohere.embed-english-v3", dimensions: 512 },
      "dimensions",
      /1024/,
    ],
    ["a dimension Nova lacks", { model: NOVA, dimensions: 512 }, "dimensions", /3072, 1024, 384, 256/],
    ["a zero dimension", { dimensions: 0 }, "dimensions", /dimensions/],
    ["an unknown encoding", { encoding_format: "int8" }, "encoding_format", /encoding_format/],
    ["a field the family does not take", { input_type: "search_query" }, "input_type", /normalize/],
    [
      "two Cohere embedding types",
      { model: COHERE_V4, embedding_types: ["float", "int8"] },
      "embedding_types",
      /one/,
    ],
    ["a bad token id", { input: [[1, 999_999]] }, "input[0][1]", /cl100k_base/],
  ])("%s", async (_name, body, param, message) => {
    const error = await failure(body);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
    expect(error.type).toBe("invalid_request_error");
    expect(invokes()).toHaveLength(0);
  });

  it.each([
    ["a chat model", "amazon.nova-lite-v1:0"],
    ["a name Bedrock does not know", "no-such-embedder"],
  ])("%s is 404 model_not_found naming model, as at OpenAI and on the chat route", async (_name, model) => {
    const error = await failure({ model });
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe("model_not_found");
    expect(error.param).toBe("model");
    expect(error.message).toMatch(/not an embedding model/);
    expect(invokes()).toHaveLength(0);
  });

  it("an unknown model of a known family is Bedrock's 404 model_not_found", async () => {
    const error = await failure({ model: "amazon.titan-embed-text-v2:9" });
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe("model_not_found");
  });

  it.each([
    ["@@throttle", 429, OpenAI.RateLimitError],
    ["@@error:ValidationException", 400, OpenAI.BadRequestError],
    ["@@error:AccessDeniedException", 403, OpenAI.PermissionDeniedError],
    ["@@error:ModelErrorException", 502, OpenAI.InternalServerError],
  ])(
    "Bedrock's %s → %i in OpenAI's error class, with no ARN or account id",
    async (directive, status, errorClass) => {
      const error = await failure({ model: COHERE_V4, input: ["fine", `bad ${directive}`] });
      expect(error).toBeInstanceOf(errorClass);
      expect(error.status).toBe(status);
      expect(error.message).not.toMatch(/123456789012|arn:aws/);
    },
  );

  it("one failed call fails the request and aborts the calls still running", async () => {
    // The failing call waits a little first, so the other calls of the first wave have reached Bedrock.
    const input = [
      "fails @@stall:100 @@error:ModelErrorException",
      ...Array.from({ length: 6 }, () => "slow @@stall:5000"),
    ];
    const error = await failure({ input });
    expect(error.status).toBe(502);
    await waitFor(() => emulator.aborts() === CONCURRENCY - 1);
    // The calls never started stay unstarted: only the first CONCURRENCY reached Bedrock.
    expect(invokes()).toHaveLength(CONCURRENCY);
  });

  it("a client that disconnects aborts the Bedrock calls", async () => {
    const controller = new AbortController();
    const pending = client.embeddings
      .create({ model: TITAN_V2, input: ["a @@stall:5000", "b @@stall:5000"] }, { signal: controller.signal })
      .catch(() => undefined);
    await waitFor(() => invokes().length === 2);
    controller.abort();
    await pending;
    await waitFor(() => emulator.aborts() === 2);
  });

  it("never answers 5xx for malformed bodies, and refuses other methods with 405", async () => {
    for (const body of [
      "null",
      "[]",
      '"x"',
      "{}",
      '{"model":1,"input":"x"}',
      '{"model":"m"}',
      '{"input":"x"}',
    ]) {
      const response = await fetch(`${gateway.url}/v1/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(response.status, body).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBeTruthy();
    }
    const get = await fetch(`${gateway.url}/v1/embeddings`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });
});

describe("GET /v1/models", () => {
  it("lists the embedding models", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        TITAN_V2,
        "amazon.titan-embed-text-v1",
        "cohere.embed-english-v3",
        "cohere.embed-multilingual-v3",
        COHERE_V4,
        NOVA,
      ]),
    );
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
