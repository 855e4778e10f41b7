import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLeanRuntime } from "../src/bedrock/lean/runtime.js";
import { createSdkRuntime } from "../src/bedrock/sdk-runtime.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway, useEmulatorEnvironment } from "./helpers/gateway.js";

/**
 * As test/transport-conformance.test.ts, for the Anthropic Messages API, OpenAI embeddings (InvokeModel)
 * and the transports' InvokeModel itself: the same calls through the sdk and the lean transport must give
 * identical answers and send identical requests to Bedrock.
 */

type Transport = "sdk" | "lean";
const transports: Transport[] = ["sdk", "lean"];
let emulator: Emulator;
const gateways = {} as Record<Transport, RunningGateway>;

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  for (const transport of transports) {
    gateways[transport] = await startGateway(emulator, { BEDROCK_TRANSPORT: transport });
  }
});
afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway?.close();
  await emulator?.close();
});

/** Ids minted per request (message and completion ids) and timestamps differ by nature; the rest may not. */
function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "created") continue;
    if (key === "id" && typeof item === "string" && /^(msg_|chatcmpl-)/.test(item)) continue;
    out[key] = withoutVolatile(item);
  }
  return out;
}

/** A raw answer as the client saw it: status, retry-after and the parsed body or SSE events. */
async function observed(response: Response) {
  const text = await response.text();
  const body = response.headers.get("content-type")?.startsWith("text/event-stream")
    ? text
        .trim()
        .split("\n\n")
        .map((frame) =>
          frame.split("\n").map((line) => (line.startsWith("data: {") ? JSON.parse(line.slice(6)) : line)),
        )
    : JSON.parse(text);
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: withoutVolatile(body),
  };
}

function errorSeen(error: unknown) {
  if (!(error instanceof OpenAI.APIError) && !(error instanceof Anthropic.APIError)) throw error;
  return { status: error.status, retryAfter: error.headers?.get("retry-after") ?? null, body: error.error };
}

/** Runs the call once per transport; answers and what reached Bedrock must be the same. */
async function expectSameOnBoth(call: (gateway: RunningGateway) => Promise<unknown>) {
  const seen = [];
  for (const transport of transports) {
    const before = emulator.requests.length;
    const answer = await call(gateways[transport]).catch(errorSeen);
    const sent = emulator.requests
      .slice(before)
      .map((request) => ({ operation: request.operation, modelId: request.modelId, body: request.body }));
    seen.push({ answer, sent });
  }
  expect(seen[0]?.sent.length).toBeGreaterThan(0);
  expect(seen[1]).toEqual(seen[0]);
}

const anthropic = (gateway: RunningGateway) =>
  new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: "unused", maxRetries: 0 });
const openai = (gateway: RunningGateway) =>
  new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });

const claude = "claude-haiku-4-5";
const weather: Anthropic.Tool = {
  name: "weather",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};
const ask = (content: string, extra: Partial<Anthropic.MessageCreateParams> = {}) =>
  ({
    model: claude,
    max_tokens: 1024,
    messages: [{ role: "user", content }],
    ...extra,
  }) as Anthropic.MessageCreateParams;

describe("Anthropic messages", () => {
  it.each([
    ["plain", ask("hello there", { system: "be brief", stop_sequences: ["END"] })],
    ["streamed", ask("one two three four", { stream: true })],
    ["tools", ask('@@tool:weather:{"city":"Paris"} @@tool:weather:{"city":"Rome"}', { tools: [weather] })],
    ["streamed tools", ask('@@tool:weather:{"city":"Oslo"}', { tools: [weather], stream: true })],
    ["thinking", ask("why? @@reason", { thinking: { type: "enabled", budget_tokens: 2048 } })],
    [
      "redacted thinking",
      ask("why? @@reason @@redact", { thinking: { type: "enabled", budget_tokens: 2048 } }),
    ],
    [
      "streamed redacted thinking",
      ask("why? @@reason @@redact", { thinking: { type: "enabled", budget_tokens: 2048 }, stream: true }),
    ],
    ["max tokens", ask("@@maxtokens")],
    ["cache", ask("@@cache", { stream: true })],
    ["throttled", ask("@@throttle")],
    ["streamed throttled", ask("@@throttle", { stream: true })],
    ["model error", ask("@@error:ModelErrorException")],
    ["unavailable", ask("@@error:ServiceUnavailableException", { stream: true })],
    ["mid-stream error", ask("a b c d e @@midstream:ModelStreamErrorException", { stream: true })],
    ["mid-stream throttling", ask("a b c d e @@midstream:ThrottlingException", { stream: true })],
  ])("%s", async (_name, params) => {
    await expectSameOnBoth(async (gateway) =>
      observed(await anthropic(gateway).messages.create(params).asResponse()),
    );
  });

  it("count_tokens (the stock client on both: CountTokens is a cold call)", async () => {
    await expectSameOnBoth((gateway) =>
      anthropic(gateway).messages.countTokens({
        model: claude,
        messages: [{ role: "user", content: "count me" }],
      }),
    );
  });
});

describe("OpenAI embeddings", () => {
  it.each([
    [
      "Titan v2, floats",
      { model: "amazon.titan-embed-text-v2:0", input: ["alpha", "beta"], encoding_format: "float" },
    ],
    [
      "Titan v2, base64 and dimensions",
      { model: "amazon.titan-embed-text-v2:0", input: "alpha", dimensions: 256 },
    ],
    [
      "Cohere v4, a batch",
      { model: "cohere.embed-v4:0", input: ["one", "two", "three"], encoding_format: "float" },
    ],
    ["Nova", { model: "amazon.nova-2-multimodal-embeddings-v1:0", input: "x", encoding_format: "float" }],
    ["throttled", { model: "amazon.titan-embed-text-v2:0", input: "@@throttle" }],
    ["refused by Bedrock", { model: "amazon.titan-embed-text-v2:0", input: "@@error:ValidationException" }],
    ["model timeout", { model: "cohere.embed-v4:0", input: ["a", "@@error:ModelTimeoutException"] }],
  ] as [string, OpenAI.EmbeddingCreateParams][])("%s", async (_name, params) => {
    await expectSameOnBoth(async (gateway) =>
      observed(await openai(gateway).embeddings.create(params).asResponse()),
    );
  });
});

describe("InvokeModel at the transport", () => {
  it("returns the same bytes, content type and token count, and the same errors", async () => {
    useEmulatorEnvironment(emulator);
    const runtimes = [
      createSdkRuntime({ region: "us-east-1", maxAttempts: 1 }),
      createLeanRuntime({ region: "us-east-1", maxAttempts: 1 }),
    ];
    try {
      const requests = [
        { modelId: "amazon.titan-embed-text-v2:0", body: JSON.stringify({ inputText: "héllo wörld" }) },
        {
          modelId: "cohere.embed-v4:0",
          body: new TextEncoder().encode('{"texts":["a"],"input_type":"search_query"}'),
        },
        { modelId: "amazon.titan-embed-text-v1", body: JSON.stringify({ inputText: "x", dimensions: 256 }) },
        {
          modelId: "amazon.titan-embed-text-v2:0",
          body: JSON.stringify({ inputText: "@@error:ModelTimeoutException" }),
        },
        { modelId: "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0", body: "{}" },
      ];
      for (const request of requests) {
        const outcomes = [];
        for (const runtime of runtimes) {
          outcomes.push(
            await runtime.invokeModel(request).then(
              (result) => {
                // Cohere answers carry a fresh response id per call; the rest must match.
                const { id: _id, ...answer } = JSON.parse(Buffer.from(result.body).toString("utf8"));
                return { ...result, body: answer };
              },
              (error: {
                name: string;
                message: string;
                $fault?: string;
                $metadata?: { httpStatusCode?: number };
              }) => ({
                name: error.name,
                message: error.message,
                fault: error.$fault,
                status: error.$metadata?.httpStatusCode,
              }),
            ),
          );
        }
        expect(outcomes[1], request.modelId).toEqual(outcomes[0]);
      }
    } finally {
      runtimes[0]?.destroy();
      await runtimes[1]?.destroy();
    }
  });
});
