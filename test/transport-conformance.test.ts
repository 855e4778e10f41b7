import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator, RecordedRequest } from "../src/emulator/server.js";
import { startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";

/**
 * The same requests through a gateway on the stock SDK transport and one on the lean transport, against one
 * emulator: the answers the client sees (ids and timestamps aside) and the requests Bedrock receives must be
 * identical. The rest of the suite runs against both transports too (the "sdk" project in vitest.config.ts).
 */

const model = "amazon.nova-lite-v1:0";
const claude = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);
const tools: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: "function",
    function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
  },
];
const user = (content: OpenAI.Chat.ChatCompletionUserMessageParam["content"]) => [
  { role: "user" as const, content },
];

type Params = OpenAI.Chat.ChatCompletionCreateParams;
const cases: [string, Params][] = [
  [
    "plain",
    {
      model,
      messages: [{ role: "system", content: "be nice" }, ...user("hello there")],
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.9,
      stop: ["END"],
    },
  ],
  [
    "stream with usage",
    { model, messages: user("one two three"), stream: true, stream_options: { include_usage: true } },
  ],
  [
    "parallel tools",
    { model, tools, messages: user('@@tool:weather:{"city":"Paris"} @@tool:weather:{"city":"Rome"}') },
  ],
  [
    "streamed tools",
    { model, tools, stream: true, messages: user('@@tool:weather:{"city":"Oslo"} @@tool:weather:{}') },
  ],
  [
    "tool results",
    {
      model,
      tools,
      tool_choice: "required",
      messages: [
        ...user("weather?"),
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "t1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "t1", content: "sunny" },
      ],
    },
  ],
  ["reasoning", { model: claude, reasoning_effort: "low", messages: user("think @@reason") }],
  [
    "streamed reasoning",
    { model: claude, reasoning_effort: "low", stream: true, messages: user("think @@reason") },
  ],
  [
    "image and document",
    {
      model,
      messages: user([
        { type: "text", text: "what is this?" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${png.toString("base64")}` } },
        {
          type: "file",
          file: {
            filename: "notes.txt",
            file_data: `data:text/plain;base64,${Buffer.from("hi").toString("base64")}`,
          },
        },
      ]),
    },
  ],
  [
    "structured output",
    {
      model,
      messages: user("json please"),
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object", properties: { a: { type: "string" } } } },
      },
    },
  ],
  ["max tokens", { model, messages: user("@@maxtokens") }],
  ["guardrail", { model, messages: user("@@guardrail"), stream: true }],
  [
    "prompt cache",
    { model, messages: user("@@cache"), stream: true, stream_options: { include_usage: true } },
  ],
  ["throttling with retry-after", { model, messages: user("@@throttle") }],
  ["streamed throttling", { model, messages: user("@@throttle"), stream: true }],
  ...[
    "ThrottlingException",
    "ValidationException",
    "ResourceNotFoundException",
    "AccessDeniedException",
    "ServiceUnavailableException",
    "ModelNotReadyException",
    "ModelTimeoutException",
    "ModelErrorException",
    "InternalServerException",
    "ServiceQuotaExceededException",
  ].flatMap((name): [string, Params][] => [
    [name, { model, messages: user(`@@error:${name}`) }],
    [`streamed ${name}`, { model, messages: user(`@@error:${name}`), stream: true }],
  ]),
  [
    "mid-stream model error",
    { model, messages: user("a b c d e @@midstream:ModelStreamErrorException"), stream: true },
  ],
  [
    "mid-stream throttling",
    { model, messages: user("a b c d e @@midstream:ThrottlingException"), stream: true },
  ],
  ["model name with path characters", { model: "foo/../bar", messages: user("x") }],
  ["model name with query characters", { model: "a#b?c=d", messages: user("x"), stream: true }],
  [
    "inference profile ARN",
    {
      model: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0",
      messages: user("x"),
    },
  ],
];

/** What a client can observe of one call, with ids and timestamps removed. */
interface Observed {
  status: number;
  retryAfter: string | null;
  body: unknown;
}

function withoutVolatile(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const { id: _id, created: _created, ...rest } = value as Record<string, unknown>;
  return rest;
}

function parseAnswer(text: string, stream: boolean): unknown {
  if (!stream) return withoutVolatile(JSON.parse(text));
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice(6))
    .map((data) => (data === "[DONE]" ? data : withoutVolatile(JSON.parse(data))));
}

async function observe(client: OpenAI, params: Params): Promise<Observed> {
  try {
    const response = await client.chat.completions.create(params).asResponse();
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body: parseAnswer(await response.text(), params.stream === true),
    };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return {
      status: error.status ?? 0,
      retryAfter: error.headers?.get("retry-after") ?? null,
      body: error.error,
    };
  }
}

/** What reached Bedrock: operation, model id and the JSON body. */
const upstream = (records: RecordedRequest[]) =>
  records.map((record) => ({ operation: record.operation, modelId: record.modelId, body: record.body }));

let emulator: Emulator;
const gateways: Record<"sdk" | "lean", { gateway: RunningGateway; client: OpenAI }> = {} as never;

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  for (const transport of ["sdk", "lean"] as const) {
    const gateway = await startGateway(emulator, { BEDROCK_TRANSPORT: transport });
    gateways[transport] = {
      gateway,
      client: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 }),
    };
  }
});
afterAll(async () => {
  for (const { gateway } of Object.values(gateways)) await gateway?.close();
  await emulator?.close();
});

async function through(transport: "sdk" | "lean", params: Params) {
  const before = emulator.requests.length;
  const observed = await observe(gateways[transport].client, params);
  return { observed, sent: upstream(emulator.requests.slice(before)) };
}

describe("the lean transport answers exactly as the SDK transport", () => {
  it.each(cases)("%s", async (_name, params) => {
    const sdk = await through("sdk", params);
    const lean = await through("lean", params);
    expect(lean.observed).toEqual(sdk.observed);
    expect(lean.sent).toEqual(sdk.sent);
    expect(sdk.sent.length).toBeGreaterThan(0);
  });

  it("sends byte-identical bodies to Bedrock, images included", async () => {
    const params = cases.find(([name]) => name === "image and document")?.[1] as Params;
    const bodies = [];
    for (const transport of ["sdk", "lean"] as const) {
      const before = emulator.requests.length;
      await observe(gateways[transport].client, params);
      bodies.push(JSON.parse(emulator.requests[before]?.rawBody.toString("utf8") ?? "null"));
    }
    expect(bodies[1]).toEqual(bodies[0]);
  });

  it.each(["sdk", "lean"] as const)(
    "%s: a client that goes away aborts the Bedrock call",
    async (transport) => {
      for (const stream of [false, true]) {
        const controller = new AbortController();
        const before = emulator.requests.length;
        const pending = gateways[transport].client.chat.completions
          .create(
            { model, messages: user(stream ? "a b c d e f @@slow:300" : "@@stall:5000"), stream },
            { signal: controller.signal },
          )
          .then(async (answer) => {
            if (stream) for await (const _chunk of answer as AsyncIterable<unknown>) controller.abort();
          })
          .catch(() => undefined);
        await waitFor(() => emulator.requests.length > before);
        if (!stream) controller.abort();
        await pending;
        await waitFor(() => emulator.requests[before]?.aborted === true);
      }
    },
  );
});

describe("retries follow BEDROCK_MAX_ATTEMPTS on both transports", () => {
  it.each([
    ["1", "@@error:ServiceUnavailableException", 1],
    ["3", "@@error:ServiceUnavailableException", 3],
    ["3", "@@error:InternalServerException", 3],
    ["3", "@@error:ValidationException", 1],
  ])("BEDROCK_MAX_ATTEMPTS=%s, %s → %i calls", async (attempts, directive, calls) => {
    for (const transport of ["sdk", "lean"]) {
      const gateway = await startGateway(emulator, {
        BEDROCK_TRANSPORT: transport,
        BEDROCK_MAX_ATTEMPTS: attempts,
      });
      try {
        const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
        for (const stream of [false, true]) {
          const before = emulator.requests.length;
          await client.chat.completions
            .create({ model, messages: user(directive), stream })
            .catch(() => undefined);
          expect(emulator.requests.length - before, `${transport} stream=${stream}`).toBe(calls);
        }
      } finally {
        await gateway.close();
      }
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
