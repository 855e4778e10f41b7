import {
  BedrockClient,
  ListFoundationModelsCommand,
  ListInferenceProfilesCommand,
  paginateListInferenceProfiles,
} from "@aws-sdk/client-bedrock";
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  CountTokensCommand,
  InternalServerException,
  InvokeModelCommand,
  ModelErrorException,
  ModelNotReadyException,
  ModelStreamErrorException,
  ModelTimeoutException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import {
  GetSecretValueCommand,
  ResourceNotFoundException as SecretNotFound,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, InternalServerError, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { NodeHttp2Handler, NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS, type Emulator, startEmulator } from "../src/emulator/server.js";
import { Sha256 } from "../src/emulator/sha256.js";

const REGION = "us-east-1";
const HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
const clients: Array<{ destroy(): void }> = [];
let emu: Emulator;

function track<T extends { destroy(): void }>(client: T): T {
  clients.push(client);
  return client;
}

/** maxAttempts 1: the SDK would otherwise retry throttling and 5xx errors and hide what happened. */
function config(extra: Record<string, unknown> = {}) {
  return { endpoint: emu.url, region: REGION, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1, ...extra };
}

let runtime: BedrockRuntimeClient;

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  runtime = track(new BedrockRuntimeClient(config()));
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await emu.close();
});

beforeEach(() => emu.reset());

function user(text: string): ConverseCommandInput["messages"] {
  return [{ role: "user", content: [{ text }] }];
}

async function converse(text: string, extra: Partial<ConverseCommandInput> = {}) {
  return runtime.send(new ConverseCommand({ modelId: HAIKU, messages: user(text), ...extra }));
}

async function stream(
  text: string,
  extra: Partial<ConverseCommandInput> = {},
): Promise<ConverseStreamOutput[]> {
  const response = await runtime.send(
    new ConverseStreamCommand({ modelId: HAIKU, messages: user(text), ...extra }),
  );
  const events: ConverseStreamOutput[] = [];
  for await (const event of response.stream ?? []) events.push(event);
  return events;
}

function eventNames(events: ConverseStreamOutput[]): string[] {
  return events.map(
    (e) => Object.keys(e).find((k) => (e as unknown as Record<string, unknown>)[k] !== undefined) ?? "?",
  );
}

function streamedText(events: ConverseStreamOutput[]): string {
  return events.map((e) => e.contentBlockDelta?.delta?.text ?? "").join("");
}

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("Converse", () => {
  it("echoes the last user message deterministically, with usage", async () => {
    const out = await converse("hello brave new world", { system: [{ text: "be terse" }] });
    expect(out.output?.message?.role).toBe("assistant");
    expect(out.output?.message?.content).toEqual([{ text: "Echo: hello brave new world" }]);
    expect(out.stopReason).toBe("end_turn");
    // 4 words of prompt + 2 of system in; 5 words out.
    expect(out.usage).toEqual({ inputTokens: 6, outputTokens: 5, totalTokens: 11 });
    expect(typeof out.metrics?.latencyMs).toBe("number");

    const record = emu.requests[0]!;
    expect(record).toMatchObject({
      service: "bedrock-runtime",
      operation: "Converse",
      modelId: HAIKU,
      aborted: false,
    });
    expect((record.body as { messages: unknown[] }).messages).toHaveLength(1);
    expect(record.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=EMULATORKEYID\//);
    expect(record.headers.host).toBe(new URL(emu.url).host);
  });

  it("works over HTTP/1.1 too (the SDK's NodeHttpHandler), and records images as sent", async () => {
    const h1 = track(new BedrockRuntimeClient(config({ requestHandler: new NodeHttpHandler() })));
    const bytes = new Uint8Array([137, 80, 78, 71]);
    const out = await h1.send(
      new ConverseCommand({
        modelId: HAIKU,
        messages: [
          { role: "user", content: [{ text: "describe" }, { image: { format: "png", source: { bytes } } }] },
        ],
      }),
    );
    expect(out.output?.message?.content?.[0]?.text).toBe("Echo: describe");
    const body = emu.requests[0]?.body as {
      messages: Array<{ content: Array<{ image?: { source: { bytes: string } } }> }>;
    };
    expect(body.messages[0]?.content[1]?.image?.source.bytes).toBe(Buffer.from(bytes).toString("base64"));
  });

  it("accepts profile ids and ARNs of any region and account, and records the id exactly", async () => {
    const ids = [
      `us.${HAIKU}`,
      "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "arn:aws:bedrock:eu-west-1:999999999999:inference-profile/eu.anthropic.claude-opus-4-1-20250805-v1:0",
      "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-micro-v1:0",
    ];
    for (const modelId of ids) {
      const out = await runtime.send(new ConverseCommand({ modelId, messages: user("hi") }));
      expect(out.output?.message?.content?.[0]?.text).toBe("Echo: hi");
    }
    expect(emu.requests.map((r) => r.modelId)).toEqual(ids);
  });

  it("signs and records odd model ids exactly; unknown ones are invalid model identifiers", async () => {
    const odd = [
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-x",
      "foo/../bar",
      "a#b",
      "a?b",
      "a@b",
      "a b%20c",
    ];
    for (const modelId of odd) {
      for (const client of [
        runtime,
        track(new BedrockRuntimeClient(config({ requestHandler: new NodeHttpHandler() }))),
      ]) {
        const error = await rejection(client.send(new ConverseCommand({ modelId, messages: user("hi") })));
        // A ValidationException (not InvalidSignatureException) proves the signature verified.
        expect(error).toBeInstanceOf(ValidationException);
        expect(error.message).toBe("The provided model identifier is invalid.");
      }
    }
    expect(emu.requests.map((r) => r.modelId)).toEqual(odd.flatMap((id) => [id, id]));
  });

  it("refuses Converse on an embedding model and tool blocks without toolConfig", async () => {
    const embedding = await rejection(
      runtime.send(new ConverseCommand({ modelId: "amazon.titan-embed-text-v2:0", messages: user("hi") })),
    );
    expect(embedding).toBeInstanceOf(ValidationException);
    const noToolConfig = await rejection(
      runtime.send(
        new ConverseCommand({
          modelId: HAIKU,
          messages: [
            { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "42" }] } }] },
          ],
        }),
      ),
    );
    expect(noToolConfig.message).toMatch(/toolConfig field must be defined/);
  });
});

describe("ConverseStream", () => {
  it("streams the answer as events in order, one delta per word", async () => {
    const events = await stream("stream these words please");
    expect(eventNames(events)).toEqual([
      "messageStart",
      ...Array(5).fill("contentBlockDelta"),
      "contentBlockStop",
      "messageStop",
      "metadata",
    ]);
    expect(events[0]?.messageStart?.role).toBe("assistant");
    expect(streamedText(events)).toBe("Echo: stream these words please");
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe("end_turn");
    const metadata = events.at(-1)?.metadata;
    expect(metadata?.usage).toEqual({ inputTokens: 4, outputTokens: 5, totalTokens: 9 });
    expect(typeof metadata?.metrics?.latencyMs).toBe("number");
    expect(emu.requests[0]?.operation).toBe("ConverseStream");
  });

  it("streams over HTTP/1.1 too", async () => {
    const h1 = track(new BedrockRuntimeClient(config({ requestHandler: new NodeHttpHandler() })));
    const response = await h1.send(new ConverseStreamCommand({ modelId: HAIKU, messages: user("one two") }));
    const events: ConverseStreamOutput[] = [];
    for await (const event of response.stream ?? []) events.push(event);
    expect(streamedText(events)).toBe("Echo: one two");
  });

  it("@@deltas:<n> gives exactly n text deltas", async () => {
    const events = await stream("@@deltas:3 abcdefghij");
    const deltas = events.filter((e) => e.contentBlockDelta?.delta?.text !== undefined);
    expect(deltas).toHaveLength(3);
    expect(streamedText(events)).toBe("Echo: abcdefghij");
  });

  it("@@slow:<ms> spaces the events out as they are produced", async () => {
    const response = await runtime.send(
      new ConverseStreamCommand({ modelId: HAIKU, messages: user("@@slow:40 a b") }),
    );
    const arrivals: number[] = [];
    for await (const _ of response.stream ?? []) arrivals.push(Date.now());
    const gaps = arrivals.slice(1).map((t, i) => t - (arrivals[i] ?? t));
    expect(arrivals.length).toBe(7);
    // Six waits of 40 ms. A buffered response would arrive all at once; under load single gaps can
    // shrink (one late event makes the next look early), so check the spread and most gaps.
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(200);
    expect(gaps.filter((gap) => gap >= 20).length).toBeGreaterThanOrEqual(4);
  });

  it("@@midstream:<Exception> fails the stream after a couple of deltas with the right class", async () => {
    const cases = [
      ["ThrottlingException", ThrottlingException],
      ["ModelStreamErrorException", ModelStreamErrorException],
      ["InternalServerException", InternalServerException],
      ["ValidationException", ValidationException],
      ["ServiceUnavailableException", ServiceUnavailableException],
    ] as const;
    for (const [name, cls] of cases) {
      const response = await runtime.send(
        new ConverseStreamCommand({ modelId: HAIKU, messages: user(`@@midstream:${name} one two three`) }),
      );
      const seen: ConverseStreamOutput[] = [];
      const error = await rejection(
        (async () => {
          for await (const event of response.stream ?? []) seen.push(event);
        })(),
      );
      expect(error).toBeInstanceOf(cls);
      expect(error.message).toContain("123456789012");
      expect(eventNames(seen)).toEqual(["messageStart", "contentBlockDelta", "contentBlockDelta"]);
      expect(streamedText(seen)).toBe("Echo: one ");
    }
  });

  it("records a client that abandons a stream midway as aborted", async () => {
    for (const client of [
      runtime,
      track(new BedrockRuntimeClient(config({ requestHandler: new NodeHttpHandler() }))),
    ]) {
      emu.reset();
      const controller = new AbortController();
      const response = await client.send(
        new ConverseStreamCommand({ modelId: HAIKU, messages: user("@@slow:100 a b c d e f g h") }),
        { abortSignal: controller.signal },
      );
      // Depending on the handler the iteration then ends early or throws; either way the client left.
      await (async () => {
        for await (const _ of response.stream ?? []) controller.abort();
      })().catch(() => {});
      await until(() => emu.aborts() === 1);
      expect(emu.requests[0]?.aborted).toBe(true);
    }
  });

  it("errors before the stream starts are ordinary HTTP errors", async () => {
    const error = await rejection(stream("@@throttle"));
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(error.$metadata?.httpStatusCode).toBe(429);
  });
});

describe("directives", () => {
  it("@@throttle → 429 ThrottlingException with retry-after: 3", async () => {
    const error = await rejection(converse("please @@throttle now"));
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(error.$metadata?.httpStatusCode).toBe(429);
    const response = (error as { $response?: { headers: Record<string, string> } }).$response;
    expect(response?.headers["retry-after"]).toBe("3");
  });

  it("@@error:<Exception> → that exception class, real status, message with an ARN and account", async () => {
    const cases = [
      ["ValidationException", ValidationException, 400],
      ["AccessDeniedException", AccessDeniedException, 403],
      ["ResourceNotFoundException", ResourceNotFoundException, 404],
      ["ModelTimeoutException", ModelTimeoutException, 408],
      ["ModelErrorException", ModelErrorException, 424],
      ["ThrottlingException", ThrottlingException, 429],
      ["ModelNotReadyException", ModelNotReadyException, 429],
      ["ServiceQuotaExceededException", ServiceQuotaExceededException, 400],
      ["InternalServerException", InternalServerException, 500],
      ["ServiceUnavailableException", ServiceUnavailableException, 503],
    ] as const;
    for (const [name, cls, status] of cases) {
      const error = await rejection(converse(`@@error:${name} hi`));
      expect(error, name).toBeInstanceOf(cls);
      expect(error.name).toBe(name);
      expect(error.$metadata?.httpStatusCode).toBe(status);
      expect(error.message).toMatch(/arn:aws:bedrock:us-east-1:123456789012:foundation-model\//);
      expect(error.message).toContain("account 123456789012");
    }
  });

  it("@@tool:<name>:<json> → toolUse blocks (parallel when repeated), stopReason tool_use", async () => {
    const out = await converse(
      'Checking. @@tool:get_weather:{"city": "Paris", "days": [1, 2]} @@tool:get_time:{}',
      {
        toolConfig: {
          tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: { type: "object" } } } }],
        },
      },
    );
    expect(out.stopReason).toBe("tool_use");
    expect(out.output?.message?.content).toEqual([
      { text: "Echo: Checking." },
      { toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris", days: [1, 2] } } },
      { toolUse: { toolUseId: "tooluse_2", name: "get_time", input: {} } },
    ]);
  });

  it("streams tool calls as contentBlockStart, input fragments, contentBlockStop", async () => {
    const input = { query: "emulators and their discontents", limit: 10 };
    const events = await stream(`@@tool:search:${JSON.stringify(input)}`);
    expect(eventNames(events)).toEqual([
      "messageStart",
      "contentBlockStart",
      ...Array(events.length - 5).fill("contentBlockDelta"),
      "contentBlockStop",
      "messageStop",
      "metadata",
    ]);
    expect(events[1]?.contentBlockStart).toEqual({
      contentBlockIndex: 0,
      start: { toolUse: { toolUseId: "tooluse_1", name: "search" } },
    });
    const fragments = events.flatMap((e) =>
      e.contentBlockDelta?.delta?.toolUse ? [e.contentBlockDelta.delta.toolUse.input] : [],
    );
    expect(fragments.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(fragments.join(""))).toEqual(input);
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe("tool_use");
  });

  it("a toolResult round trip echoes the result", async () => {
    const toolConfig = { tools: [{ toolSpec: { name: "calc", inputSchema: { json: { type: "object" } } } }] };
    const out = await runtime.send(
      new ConverseCommand({
        modelId: HAIKU,
        toolConfig,
        messages: [
          { role: "user", content: [{ text: "add @@tool:calc:{}" }] },
          { role: "assistant", content: [{ toolUse: { toolUseId: "tooluse_1", name: "calc", input: {} } }] },
          {
            role: "user",
            content: [{ toolResult: { toolUseId: "tooluse_1", content: [{ json: { sum: 42 } }] } }],
          },
        ],
      }),
    );
    expect(out.output?.message?.content).toEqual([{ text: 'Echo: tool result {"sum":42}' }]);
    expect(out.stopReason).toBe("end_turn");
  });

  it("@@reason → a reasoning block before the text, in Converse and in streams", async () => {
    const out = await converse("@@reason why");
    const [reasoning, text] = out.output?.message?.content ?? [];
    expect(reasoning?.reasoningContent?.reasoningText?.text).toBe("Thinking about how to answer: why");
    expect(reasoning?.reasoningContent?.reasoningText?.signature).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(text).toEqual({ text: "Echo: why" });

    const events = await stream("@@reason why");
    const reasoningDeltas = events.flatMap((e) =>
      e.contentBlockDelta?.delta?.reasoningContent ? [e.contentBlockDelta] : [],
    );
    expect(reasoningDeltas.map((d) => d.delta?.reasoningContent?.text ?? "").join("")).toBe(
      "Thinking about how to answer: why",
    );
    expect(reasoningDeltas.at(-1)?.delta?.reasoningContent?.signature).toBe(
      reasoning?.reasoningContent?.reasoningText?.signature,
    );
    expect(reasoningDeltas.every((d) => d.contentBlockIndex === 0)).toBe(true);
    expect(events.find((e) => e.contentBlockDelta?.delta?.text)?.contentBlockDelta?.contentBlockIndex).toBe(
      1,
    );
  });

  it("@@redact → a redacted reasoning block (bytes) before the text, in Converse and in streams", async () => {
    const out = await converse("@@redact why");
    const [redacted, text] = out.output?.message?.content ?? [];
    const bytes = redacted?.reasoningContent?.redactedContent;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes?.length).toBe(32);
    expect(text).toEqual({ text: "Echo: why" });

    const events = await stream("@@redact why");
    const deltas = events.flatMap((e) =>
      e.contentBlockDelta?.delta?.reasoningContent ? [e.contentBlockDelta] : [],
    );
    expect(deltas).toHaveLength(1);
    expect(deltas[0]?.delta?.reasoningContent?.redactedContent).toEqual(bytes);
    expect(deltas[0]?.contentBlockIndex).toBe(0);
  });

  it("@@maxtokens, @@guardrail, @@stopseq set the stop reason; @@cache reports cache usage", async () => {
    expect((await converse("@@maxtokens x")).stopReason).toBe("max_tokens");
    expect((await converse("@@guardrail x")).stopReason).toBe("guardrail_intervened");
    const stop = await converse("@@stopseq x", { inferenceConfig: { stopSequences: ["END", "STOP"] } });
    expect(stop.stopReason).toBe("stop_sequence");
    expect(stop.additionalModelResponseFields).toEqual({ stop_sequence: "END" });
    const cached = await converse("@@cache x");
    expect(cached.usage).toMatchObject({ cacheReadInputTokens: 10, cacheWriteInputTokens: 5 });
    expect(cached.usage?.totalTokens).toBe(
      (cached.usage?.inputTokens ?? 0) + (cached.usage?.outputTokens ?? 0) + 15,
    );
    const events = await stream("@@stopseq x", { inferenceConfig: { stopSequences: ["END"] } });
    expect(events.find((e) => e.messageStop)?.messageStop).toEqual({
      stopReason: "stop_sequence",
      additionalModelResponseFields: { stop_sequence: "END" },
    });
  });

  it("@@stall:<ms> waits; a client that gives up is recorded as aborted", async () => {
    for (const client of [
      runtime,
      track(new BedrockRuntimeClient(config({ requestHandler: new NodeHttpHandler() }))),
    ]) {
      emu.reset();
      const controller = new AbortController();
      const pending = client.send(
        new ConverseCommand({ modelId: HAIKU, messages: user("@@stall:5000 slow") }),
        {
          abortSignal: controller.signal,
        },
      );
      await until(() => emu.requests.length === 1);
      setTimeout(() => controller.abort(), 50);
      const error = await rejection(pending);
      expect(error.name).toBe("AbortError");
      await until(() => emu.aborts() === 1);
      expect(emu.requests[0]?.aborted).toBe(true);
    }
    const started = Date.now();
    await converse("@@stall:150 fine");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("a malformed directive is a ValidationException", async () => {
    const error = await rejection(converse("@@tool:broken:{not json}"));
    expect(error).toBeInstanceOf(ValidationException);
  });
});

describe("InvokeModel and CountTokens", () => {
  const TITAN = "amazon.titan-embed-text-v2:0";
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  async function embed(body: unknown, modelId = TITAN) {
    const out = await runtime.send(
      new InvokeModelCommand({
        modelId,
        contentType: "application/json",
        body: encoder.encode(JSON.stringify(body)),
      }),
    );
    return JSON.parse(decoder.decode(out.body)) as { embedding: number[]; inputTextTokenCount: number };
  }

  it("Titan Text Embeddings V2: deterministic, sized, normalised", async () => {
    const a = await embed({ inputText: "the cat sat" });
    expect(a.embedding).toHaveLength(1024);
    expect(a.inputTextTokenCount).toBe(3);
    expect(Math.hypot(...a.embedding)).toBeCloseTo(1, 3);
    expect((await embed({ inputText: "the cat sat" })).embedding).toEqual(a.embedding);
    expect((await embed({ inputText: "x", dimensions: 256 })).embedding).toHaveLength(256);
    const cosine = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
    const near = await embed({ inputText: "the cat sat down" });
    const far = await embed({ inputText: "quantum chromodynamics lattice" });
    expect(cosine(a.embedding, near.embedding)).toBeGreaterThan(cosine(a.embedding, far.embedding));
    expect(emu.requests[0]).toMatchObject({ operation: "InvokeModel", modelId: TITAN });
  });

  it("rejects bad Titan input, unknown families and unknown models with ValidationException", async () => {
    const bad = [
      embed({ inputText: "x", dimensions: 300 }),
      embed({ inputText: "x", encoding_format: "float" }),
      embed({ inputText: "x" }, "anthropic.claude-3-haiku-20240307-v1:0"),
      embed({ inputText: "x" }, "no.such-model"),
    ];
    const errors = await Promise.all(bad.map(rejection));
    for (const error of errors) expect(error).toBeInstanceOf(ValidationException);
    expect(errors[3]?.message).toBe("The provided model identifier is invalid.");
  });

  it("honours @@error in the embedding input", async () => {
    expect(await rejection(embed({ inputText: "@@throttle hi" }))).toBeInstanceOf(ThrottlingException);
  });

  it("CountTokens agrees with Converse's inputTokens, and counts native bodies", async () => {
    const messages = user("count these four words");
    const system = [{ text: "system prompt" }];
    const counted = await runtime.send(
      new CountTokensCommand({ modelId: HAIKU, input: { converse: { messages, system } } }),
    );
    const answered = await runtime.send(new ConverseCommand({ modelId: HAIKU, messages, system }));
    expect(counted.inputTokens).toBe(answered.usage?.inputTokens);
    expect(counted.inputTokens).toBe(6);

    const native = {
      anthropic_version: "bedrock-2023-05-31",
      messages: [{ role: "user", content: "one two three" }],
    };
    const invoke = await runtime.send(
      new CountTokensCommand({
        modelId: HAIKU,
        input: { invokeModel: { body: encoder.encode(JSON.stringify(native)) } },
      }),
    );
    expect(invoke.inputTokens).toBe(3);
    expect(emu.requests.map((r) => r.operation)).toEqual(["CountTokens", "Converse", "CountTokens"]);
  });
});

describe("Bedrock control plane", () => {
  let bedrock: BedrockClient;
  beforeAll(() => {
    bedrock = track(new BedrockClient(config()));
  });

  it("lists foundation models with filters", async () => {
    const all = await bedrock.send(new ListFoundationModelsCommand({}));
    expect(all.modelSummaries?.length).toBeGreaterThan(20);
    const haiku = all.modelSummaries?.find((m) => m.modelId === HAIKU);
    expect(haiku).toMatchObject({
      modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`,
      providerName: "Anthropic",
      outputModalities: ["TEXT"],
      responseStreamingSupported: true,
      modelLifecycle: { status: "ACTIVE" },
    });

    const embeddings = await bedrock.send(new ListFoundationModelsCommand({ byOutputModality: "EMBEDDING" }));
    expect(embeddings.modelSummaries?.map((m) => m.modelId).sort()).toEqual(
      [
        "amazon.titan-embed-text-v2:0",
        "amazon.titan-embed-text-v1",
        "cohere.embed-english-v3",
        "cohere.embed-multilingual-v3",
        "cohere.embed-v4:0",
        "amazon.nova-2-multimodal-embeddings-v1:0",
      ].sort(),
    );
    const anthropic = await bedrock.send(new ListFoundationModelsCommand({ byProvider: "anthropic" }));
    expect(anthropic.modelSummaries?.every((m) => m.providerName === "Anthropic")).toBe(true);
    const onDemand = await bedrock.send(
      new ListFoundationModelsCommand({ byProvider: "Anthropic", byInferenceType: "ON_DEMAND" }),
    );
    expect(onDemand.modelSummaries?.map((m) => m.modelId)).toContain(HAIKU);
    expect(onDemand.modelSummaries?.map((m) => m.modelId)).not.toContain(
      "anthropic.claude-sonnet-4-5-20250929-v1:0",
    );
    expect(emu.requests[0]).toMatchObject({ service: "bedrock", operation: "ListFoundationModels" });
  });

  it("paginates inference profiles and filters by type", async () => {
    const pages: number[] = [];
    const ids: string[] = [];
    for await (const page of paginateListInferenceProfiles({ client: bedrock, pageSize: 7 }, {})) {
      pages.push(page.inferenceProfileSummaries?.length ?? 0);
      for (const p of page.inferenceProfileSummaries ?? []) ids.push(p.inferenceProfileId ?? "");
    }
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.slice(0, -1).every((n) => n === 7)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const prefix of ["us.", "eu.", "global."]) {
      expect(ids).toContain(`${prefix}anthropic.claude-sonnet-4-5-20250929-v1:0`);
      expect(ids).toContain(`${prefix}amazon.nova-pro-v1:0`);
    }
    const single = await bedrock.send(new ListInferenceProfilesCommand({ maxResults: 1 }));
    const profile = single.inferenceProfileSummaries?.[0];
    expect(profile).toMatchObject({ status: "ACTIVE", type: "SYSTEM_DEFINED" });
    expect(profile?.inferenceProfileArn).toMatch(
      /^arn:aws:bedrock:us-east-1:123456789012:inference-profile\//,
    );
    expect(profile?.createdAt).toBeInstanceOf(Date);
    expect(profile?.models?.length).toBe(3);
    const application = await bedrock.send(new ListInferenceProfilesCommand({ typeEquals: "APPLICATION" }));
    expect(application.inferenceProfileSummaries).toEqual([]);
  });
});

describe("SSM Parameter Store", () => {
  let ssm: SSMClient;
  beforeAll(() => {
    ssm = track(new SSMClient(config()));
  });

  it("returns SecureString parameters, decrypted only when asked", async () => {
    emu.setParameter("/aegis/api-keys", "secret-one");
    const out = await ssm.send(new GetParameterCommand({ Name: "/aegis/api-keys", WithDecryption: true }));
    expect(out.Parameter).toMatchObject({
      Name: "/aegis/api-keys",
      Type: "SecureString",
      Value: "secret-one",
      Version: 1,
      ARN: "arn:aws:ssm:us-east-1:123456789012:parameter/aegis/api-keys",
      DataType: "text",
    });
    expect(out.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    const encrypted = await ssm.send(new GetParameterCommand({ Name: "/aegis/api-keys" }));
    expect(encrypted.Parameter?.Value).not.toBe("secret-one");

    emu.setParameter("/aegis/api-keys", "secret-two");
    const v2 = await ssm.send(new GetParameterCommand({ Name: "/aegis/api-keys", WithDecryption: true }));
    expect(v2.Parameter).toMatchObject({ Value: "secret-two", Version: 2 });
    const v1 = await ssm.send(new GetParameterCommand({ Name: "/aegis/api-keys:1", WithDecryption: true }));
    expect(v1.Parameter?.Value).toBe("secret-one");
    expect(emu.requests[0]).toMatchObject({
      service: "ssm",
      operation: "GetParameter",
      body: { Name: "/aegis/api-keys" },
    });
  });

  it("ParameterNotFound, and failOperation until cleared", async () => {
    expect(await rejection(ssm.send(new GetParameterCommand({ Name: "/missing" })))).toBeInstanceOf(
      ParameterNotFound,
    );
    emu.setParameter("p", "v");
    emu.deleteParameter("p");
    expect(await rejection(ssm.send(new GetParameterCommand({ Name: "p" })))).toBeInstanceOf(
      ParameterNotFound,
    );

    emu.setParameter("p", "v");
    emu.failOperation("GetParameter", "InternalServerError");
    const failed = await rejection(ssm.send(new GetParameterCommand({ Name: "p", WithDecryption: true })));
    expect(failed).toBeInstanceOf(InternalServerError);
    expect(failed.$metadata?.httpStatusCode).toBe(500);
    emu.failOperation("GetParameter", null);
    expect(
      (await ssm.send(new GetParameterCommand({ Name: "p", WithDecryption: true }))).Parameter?.Value,
    ).toBe("v");
  });
});

describe("Secrets Manager", () => {
  let secrets: SecretsManagerClient;
  beforeAll(() => {
    secrets = track(new SecretsManagerClient(config()));
  });

  it("returns string, JSON and binary secrets with their stages", async () => {
    emu.setSecret("plain", { string: "hunter2" });
    emu.setSecret("json", { string: JSON.stringify({ user: "u", password: "p" }) });
    emu.setSecret("bin", { binary: new Uint8Array([0, 1, 2, 255]) });

    const plain = await secrets.send(new GetSecretValueCommand({ SecretId: "plain" }));
    expect(plain).toMatchObject({ Name: "plain", SecretString: "hunter2", VersionStages: ["AWSCURRENT"] });
    expect(plain.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:plain-[A-Za-z0-9]{6}$/);
    expect(plain.CreatedDate).toBeInstanceOf(Date);
    expect(
      JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: "json" }))).SecretString ?? ""),
    ).toEqual({
      user: "u",
      password: "p",
    });
    const bin = await secrets.send(new GetSecretValueCommand({ SecretId: "bin" }));
    expect(bin.SecretString).toBeUndefined();
    expect(Array.from(bin.SecretBinary ?? [])).toEqual([0, 1, 2, 255]);
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: plain.ARN }));
    expect(byArn.SecretString).toBe("hunter2");
  });

  it("follows rotation stages: AWSPENDING, then AWSCURRENT with AWSPREVIOUS", async () => {
    emu.setSecret("rotating", { string: "old" });
    emu.setSecret("rotating", { string: "new" }, "AWSPENDING");
    const pending = await secrets.send(
      new GetSecretValueCommand({ SecretId: "rotating", VersionStage: "AWSPENDING" }),
    );
    expect(pending).toMatchObject({ SecretString: "new", VersionStages: ["AWSPENDING"] });
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: "rotating" }))).SecretString).toBe(
      "old",
    );

    emu.setSecret("rotating", { string: "new" });
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: "rotating" }))).SecretString).toBe(
      "new",
    );
    const previous = await secrets.send(
      new GetSecretValueCommand({ SecretId: "rotating", VersionStage: "AWSPREVIOUS" }),
    );
    expect(previous.SecretString).toBe("old");
    const byVersion = await secrets.send(
      new GetSecretValueCommand({ SecretId: "rotating", VersionId: pending.VersionId }),
    );
    expect(byVersion.SecretString).toBe("new");
  });

  it("ResourceNotFoundException for unknown ids and missing stages", async () => {
    expect(await rejection(secrets.send(new GetSecretValueCommand({ SecretId: "nope" })))).toBeInstanceOf(
      SecretNotFound,
    );
    emu.setSecret("only-current", { string: "x" });
    const noStage = await rejection(
      secrets.send(new GetSecretValueCommand({ SecretId: "only-current", VersionStage: "AWSPENDING" })),
    );
    expect(noStage).toBeInstanceOf(SecretNotFound);
    emu.deleteSecret("only-current");
    expect(
      await rejection(secrets.send(new GetSecretValueCommand({ SecretId: "only-current" }))),
    ).toBeInstanceOf(SecretNotFound);
    expect(
      emu.requests.every((r) => r.service === "secretsmanager" && r.operation === "GetSecretValue"),
    ).toBe(true);
  });
});

describe("SigV4", () => {
  const path = `/model/${encodeURIComponent(HAIKU)}/converse`;
  const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: "hi" }] }] });

  async function signed(
    options: { applyChecksum?: boolean; secretAccessKey?: string; service?: string } = {},
  ): Promise<Record<string, string>> {
    const url = new URL(emu.url);
    const signer = new SignatureV4({
      service: options.service ?? "bedrock",
      region: REGION,
      credentials: {
        ...EMULATOR_CREDENTIALS,
        secretAccessKey: options.secretAccessKey ?? EMULATOR_CREDENTIALS.secretAccessKey,
      },
      sha256: Sha256,
      applyChecksum: options.applyChecksum ?? true,
    });
    const request = await signer.sign({
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path,
      query: {},
      headers: { host: url.host, "content-type": "application/json" },
      body,
    });
    const { host: _host, ...headers } = request.headers;
    return headers;
  }

  async function post(headers: Record<string, string>, sentBody = body, sentPath = path) {
    const response = await fetch(`${emu.url}${sentPath}`, { method: "POST", headers, body: sentBody });
    return {
      status: response.status,
      type: response.headers.get("x-amzn-errortype"),
      body: await response.json(),
    };
  }

  it("accepts a correctly signed request made without the SDK client", async () => {
    expect((await post(await signed())).status).toBe(200);
    expect((await post(await signed({ applyChecksum: false }))).status).toBe(200);
  });

  it("rejects unsigned, unknown-key, wrong-secret, wrong-service and tampered requests", async () => {
    const unsigned = await post({ "content-type": "application/json" });
    expect(unsigned).toMatchObject({ status: 403, type: "MissingAuthenticationTokenException" });

    const good = await signed();
    const unknownKey = await post({
      ...good,
      authorization: good.authorization!.replace("EMULATORKEYID", "AKIAOTHER"),
    });
    expect(unknownKey).toMatchObject({ status: 403, type: "UnrecognizedClientException" });

    expect(await post(await signed({ secretAccessKey: "wrong" }))).toMatchObject({
      status: 403,
      type: "InvalidSignatureException",
    });
    expect(await post(await signed({ service: "ssm" }))).toMatchObject({
      status: 403,
      type: "InvalidSignatureException",
    });

    const tampered = body.replace("hi", "ho");
    // With x-amz-content-sha256 signed, the body no longer matches the declared hash...
    expect(await post(good, tampered)).toMatchObject({ status: 403, type: "InvalidSignatureException" });
    // ...and without it, the body hash is part of the signature.
    expect(await post(await signed({ applyChecksum: false }), tampered)).toMatchObject({
      status: 403,
      type: "InvalidSignatureException",
    });
    const otherPath = `/model/${encodeURIComponent("amazon.nova-lite-v1:0")}/converse`;
    expect(await post(good, body, otherPath)).toMatchObject({
      status: 403,
      type: "InvalidSignatureException",
    });
    expect(emu.requests.length).toBe(7);
  });

  // The emulator remembers signatures it found right (a benchmark replays one request thousands of times a
  // second); a changed copy of a request it accepted must still be checked in full.
  // (Checked to fail: with the body hash or the path left out of that memo's key.)
  it("rejects a changed copy of a request it has just accepted", async () => {
    const unhashed = await signed({ applyChecksum: false });
    expect((await post(unhashed)).status).toBe(200);
    expect((await post(unhashed)).status).toBe(200);
    expect(await post(unhashed, body.replace("hi", "ho"))).toMatchObject({
      status: 403,
      type: "InvalidSignatureException",
    });
    const otherPath = `/model/${encodeURIComponent("amazon.nova-lite-v1:0")}/converse`;
    expect(await post(unhashed, body, otherPath)).toMatchObject({
      status: 403,
      type: "InvalidSignatureException",
    });
    expect(await post({ ...unhashed, "x-amz-date": "20200101T000000Z" })).toMatchObject({ status: 403 });
  });

  it("rejects SDK calls with unknown credentials, accepts session tokens", async () => {
    const stranger = track(
      new BedrockRuntimeClient(
        config({ credentials: { accessKeyId: "AKIASTRANGER", secretAccessKey: "x" } }),
      ),
    );
    const error = await rejection(
      stranger.send(new ConverseCommand({ modelId: HAIKU, messages: user("hi") })),
    );
    expect(error.name).toBe("UnrecognizedClientException");
    expect(error.$metadata?.httpStatusCode).toBe(403);

    const session = track(
      new BedrockRuntimeClient(
        config({ credentials: { ...EMULATOR_CREDENTIALS, sessionToken: "FwoGZXIvYXdzEJr//token" } }),
      ),
    );
    const out = await session.send(new ConverseCommand({ modelId: HAIKU, messages: user("hi") }));
    expect(out.output?.message?.content?.[0]?.text).toBe("Echo: hi");
    expect(emu.requests.at(-1)?.headers["x-amz-security-token"]).toBe("FwoGZXIvYXdzEJr//token");
  });

  it("can be told not to verify signatures (the access key is still checked)", async () => {
    const lax = await startEmulator({ port: 0, verifySignatures: false });
    try {
      const client = new BedrockRuntimeClient({
        ...config(),
        endpoint: lax.url,
        credentials: { ...EMULATOR_CREDENTIALS, secretAccessKey: "wrong" },
      });
      const out = await client.send(new ConverseCommand({ modelId: HAIKU, messages: user("hi") }));
      expect(out.output?.message?.content?.[0]?.text).toBe("Echo: hi");
      client.destroy();
    } finally {
      await lax.close();
    }
  });
});

describe("connections and control endpoints", () => {
  it("counts TCP connections, so keep-alive reuse is provable", async () => {
    const h1 = track(new BedrockRuntimeClient(config({ requestHandler: new NodeHttpHandler() })));
    await h1.send(new ConverseCommand({ modelId: HAIKU, messages: user("warm up") }));
    emu.reset();
    for (let i = 0; i < 5; i++)
      await h1.send(new ConverseCommand({ modelId: HAIKU, messages: user(`n${i}`) }));
    expect(emu.connections).toBe(0); // all five on the connection opened before the reset

    const h2 = track(
      new BedrockRuntimeClient(
        config({ requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: false }) }),
      ),
    );
    await Promise.all(
      [0, 1, 2, 3].map((i) => h2.send(new ConverseCommand({ modelId: HAIKU, messages: user(`c${i}`) }))),
    );
    expect(emu.connections).toBe(1); // one multiplexed HTTP/2 session
  });

  it("serves /__emulator/ control endpoints without signatures", async () => {
    const post = (path: string, json: unknown) =>
      fetch(`${emu.url}/__emulator/${path}`, { method: "POST", body: JSON.stringify(json) }).then(
        (r) => r.status,
      );
    expect(await post("parameters", { name: "/ctl/p", value: "pv" })).toBe(200);
    expect(
      await post("secrets", { id: "ctl-s", binaryBase64: Buffer.from("bytes").toString("base64") }),
    ).toBe(200);
    expect(await post("secrets", { id: "ctl-s", string: "next", stage: "AWSPENDING" })).toBe(200);
    expect(await post("failures", { operation: "Converse", exception: "ModelTimeoutException" })).toBe(200);
    expect(await post("parameters", { name: "" })).toBe(400);

    const ssm = track(new SSMClient(config()));
    expect(
      (await ssm.send(new GetParameterCommand({ Name: "/ctl/p", WithDecryption: true }))).Parameter?.Value,
    ).toBe("pv");
    const sm = track(new SecretsManagerClient(config()));
    const secret = await sm.send(
      new GetSecretValueCommand({ SecretId: "ctl-s", VersionStage: "AWSPENDING" }),
    );
    expect(secret.SecretString).toBe("next");
    expect(await rejection(converse("hi"))).toBeInstanceOf(ModelTimeoutException);

    const stats = await (await fetch(`${emu.url}/__emulator/stats`)).json();
    expect(stats).toEqual({ requests: 3, connections: emu.connections, aborts: 0 });
    expect(await post("reset", {})).toBe(200);
    expect(emu.requests).toHaveLength(0);
    expect((await converse("hi")).output?.message?.content?.[0]?.text).toBe("Echo: hi"); // failure cleared
  });
});

describe("emulator request records", () => {
  it("keeps only the newest keepRequests records, in arrival order", async () => {
    const small = await startEmulator({ port: 0, keepRequests: 3 });
    const client = track(new BedrockRuntimeClient({ ...config(), endpoint: small.url }));
    try {
      for (let i = 0; i < 10; i++) {
        await client.send(
          new ConverseCommand({ modelId: HAIKU, messages: [{ role: "user", content: [{ text: `n${i}` }] }] }),
        );
      }
      expect(small.requests.length).toBeGreaterThanOrEqual(3);
      expect(small.requests.length).toBeLessThan(6);
      const texts = small.requests.map(
        (r) => (r.body as { messages: { content: { text: string }[] }[] }).messages[0]?.content[0]?.text,
      );
      expect(texts.at(-1)).toBe("n9");
      expect(texts).toEqual([...texts].sort());
    } finally {
      await small.close();
    }
  });
});
