import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_GUARDRAIL } from "../src/emulator/converse/guardrail.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { Exchange } from "../src/observability/exchange.js";
import { lastCall } from "./helpers/anthropic.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

/**
 * Bedrock Guardrails applied by the gateway, through the official clients against the emulator's test
 * guardrail (src/emulator/README.md): a denied topic blocks inputs naming "forbidden fruit", the word
 * "kumquat" blocks outputs, e-mail addresses in outputs are masked as {EMAIL}.
 */

const model = "amazon.nova-lite-v1:0";
const claude = "claude-haiku-4-5";
const guardrailEnv = {
  AWS_BEDROCK_GUARDRAIL_IDENTIFIER: TEST_GUARDRAIL.id,
  AWS_BEDROCK_GUARDRAIL_VERSION: "1",
  AWS_BEDROCK_GUARDRAIL_TRACE: "enabled",
};

let emulator: Emulator;
const gateways: RunningGateway[] = [];
let guarded: RunningGateway;

async function gateway(env: Record<string, string>): Promise<RunningGateway> {
  const started = await startGateway(emulator, env);
  gateways.push(started);
  return started;
}

const openai = (g: RunningGateway) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: "unused", maxRetries: 0 });
const anthropic = (g: RunningGateway) =>
  new Anthropic({ baseURL: `${g.url}/anthropic`, apiKey: "unused", maxRetries: 0 });

async function streamedChat(g: RunningGateway, content: string) {
  const stream = await openai(g).chat.completions.create({
    model,
    messages: [{ role: "user", content }],
    stream: true,
  });
  let text = "";
  const finishReasons: (string | null)[] = [];
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    finishReasons.push(chunk.choices[0]?.finish_reason ?? null);
  }
  return { text, finishReason: finishReasons.filter((r) => r !== null) };
}

/** The request log lines (one per request) written since `from`. */
function requestLines(g: RunningGateway, from: number): Record<string, unknown>[] {
  return g.logs
    .slice(from)
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === "request");
}

async function loggedRequest(g: RunningGateway, from: number): Promise<Record<string, unknown>> {
  await waitFor(() => requestLines(g, from).length > 0);
  return requestLines(g, from)[0] as Record<string, unknown>;
}

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  guarded = await gateway(guardrailEnv);
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

describe("input blocked by the guardrail", () => {
  const prompt = "tell me about the forbidden fruit, zebra-7731";

  it("answers OpenAI clients 200 with the blocked message and finish_reason content_filter", async () => {
    const answer = await openai(guarded).chat.completions.create({
      model,
      messages: [{ role: "user", content: prompt }],
    });
    expect(answer.choices[0]?.message.content).toBe(TEST_GUARDRAIL.blockedInputMessage);
    expect(answer.choices[0]?.finish_reason).toBe("content_filter");
    expect(answer.usage).toMatchObject({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    // The trace stays out of the answer.
    expect(JSON.stringify(answer)).not.toMatch(/assessment|trace/i);
  });

  it("streams the blocked message to OpenAI clients, then finish_reason content_filter", async () => {
    const { text, finishReason } = await streamedChat(guarded, prompt);
    expect(text).toBe(TEST_GUARDRAIL.blockedInputMessage);
    expect(finishReason).toEqual(["content_filter"]);
  });

  it("answers Anthropic clients with the blocked message and stop_reason refusal", async () => {
    const message = await anthropic(guarded).messages.create({
      model: claude,
      max_tokens: 100,
      messages: [{ role: "user", content: prompt }],
    });
    expect(message.content).toEqual([{ type: "text", text: TEST_GUARDRAIL.blockedInputMessage }]);
    expect(message.stop_reason).toBe("refusal");
    expect(JSON.stringify(message)).not.toMatch(/assessment|trace/i);
  });

  it("streams the blocked message to Anthropic clients, then stop_reason refusal", async () => {
    const stream = anthropic(guarded).messages.stream({
      model: claude,
      max_tokens: 100,
      messages: [{ role: "user", content: prompt }],
    });
    const message = await stream.finalMessage();
    expect(message.content.map((block) => (block.type === "text" ? block.text : "")).join("")).toBe(
      TEST_GUARDRAIL.blockedInputMessage,
    );
    expect(message.stop_reason).toBe("refusal");
  });

  it("logs what the guardrail did, never what it saw", async () => {
    const from = guarded.logs.length;
    await openai(guarded).chat.completions.create({ model, messages: [{ role: "user", content: prompt }] });
    const line = await loggedRequest(guarded, from);
    expect(line.guardrail).toEqual({
      input: [{ policy: "topic", name: TEST_GUARDRAIL.topicName, action: "BLOCKED", detected: true }],
      output: [],
    });
    expect(guarded.logs.slice(from).join("")).not.toContain("zebra-7731");
  });
});

describe("output under the guardrail", () => {
  it("masks e-mail addresses and reports content_filter (Bedrock says guardrail_intervened)", async () => {
    const answer = await openai(guarded).chat.completions.create({
      model,
      messages: [{ role: "user", content: "write to alice@example.com today" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Echo: write to {EMAIL} today");
    expect(answer.choices[0]?.finish_reason).toBe("content_filter");

    const message = await anthropic(guarded).messages.create({
      model: claude,
      max_tokens: 100,
      messages: [{ role: "user", content: "write to bob@example.org today" }],
    });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Echo: write to {EMAIL} today" });
    expect(message.stop_reason).toBe("refusal");
  });

  it("masks in a sync stream too", async () => {
    const { text, finishReason } = await streamedChat(guarded, "write to alice@example.com today");
    expect(text).toBe("Echo: write to {EMAIL} today");
    expect(finishReason).toEqual(["content_filter"]);
  });

  it("logs the PII entity type and action, not the address or the model's output", async () => {
    const from = guarded.logs.length;
    await streamedChat(guarded, "write to alice@example.com about giraffe-4410");
    const line = await loggedRequest(guarded, from);
    expect(line.guardrail).toEqual({
      input: [],
      output: [{ policy: "sensitiveInformation", type: "EMAIL", action: "ANONYMIZED", detected: true }],
    });
    const written = guarded.logs.slice(from).join("");
    expect(written).not.toContain("alice@example.com");
    expect(written).not.toContain("giraffe-4410");
  });

  it("a sync stream cut by the guardrail sends only its message, then content_filter", async () => {
    const { text, finishReason } = await streamedChat(guarded, "a kumquat pie for giraffe-4410");
    expect(text).toBe(TEST_GUARDRAIL.blockedOutputMessage);
    expect(finishReason).toEqual(["content_filter"]);
  });

  it("a sync Anthropic stream cut by the guardrail ends with refusal, not a bare close", async () => {
    const stream = anthropic(guarded).messages.stream({
      model: claude,
      max_tokens: 100,
      messages: [{ role: "user", content: "a kumquat pie" }],
    });
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ text: TEST_GUARDRAIL.blockedOutputMessage });
    expect(message.stop_reason).toBe("refusal");
  });

  it("in async mode, text reaches the client before the intervention, and nothing is masked", async () => {
    const asyncGateway = await gateway({ ...guardrailEnv, AWS_BEDROCK_GUARDRAIL_STREAM_MODE: "async" });
    const cut = await streamedChat(asyncGateway, "a kumquat pie for everyone");
    expect(cut.text).toBe(`Echo: a kumquat ${TEST_GUARDRAIL.blockedOutputMessage}`);
    expect(cut.finishReason).toEqual(["content_filter"]);
    expect(lastCall(emulator, "ConverseStream").body).toMatchObject({
      guardrailConfig: { streamProcessingMode: "async" },
    });

    const unmasked = await streamedChat(asyncGateway, "write to alice@example.com today");
    expect(unmasked.text).toBe("Echo: write to alice@example.com today");
    expect(unmasked.finishReason).toEqual(["stop"]);
  });
});

describe("what reaches Bedrock", () => {
  it("every Converse and ConverseStream call carries exactly the configured guardrail", async () => {
    await openai(guarded).chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
    expect((lastCall(emulator, "Converse").body as Record<string, unknown>).guardrailConfig).toEqual({
      guardrailIdentifier: TEST_GUARDRAIL.id,
      guardrailVersion: "1",
      trace: "enabled",
    });
    await streamedChat(guarded, "hi");
    expect((lastCall(emulator, "ConverseStream").body as Record<string, unknown>).guardrailConfig).toEqual({
      guardrailIdentifier: TEST_GUARDRAIL.id,
      guardrailVersion: "1",
      trace: "enabled",
      streamProcessingMode: "sync",
    });
    await anthropic(guarded).messages.create({
      model: claude,
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });
    expect((lastCall(emulator, "Converse").body as Record<string, unknown>).guardrailConfig).toMatchObject({
      guardrailIdentifier: TEST_GUARDRAIL.id,
    });
  });

  it("a client's own guardrail fields and headers cannot change or weaken it", async () => {
    const answer = await openai(guarded).chat.completions.create(
      {
        model,
        messages: [{ role: "user", content: "the forbidden fruit" }],
        stream: false,
        // Unknown body fields travel to Bedrock as additionalModelRequestFields.
        guardrailConfig: {
          guardrailIdentifier: "otherguardrail",
          guardrailVersion: "DRAFT",
          trace: "disabled",
        },
        "amazon-bedrock-guardrailConfig": { streamProcessingMode: "ASYNCHRONOUS" },
        top_k: 5,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming,
      {
        headers: {
          "x-amzn-bedrock-guardrailidentifier": "otherguardrail",
          "x-amzn-bedrock-guardrailversion": "DRAFT",
        },
      },
    );
    expect(answer.choices[0]?.finish_reason).toBe("content_filter");
    const sent = lastCall(emulator, "Converse");
    expect(sent.body).toMatchObject({
      guardrailConfig: { guardrailIdentifier: TEST_GUARDRAIL.id, guardrailVersion: "1", trace: "enabled" },
      additionalModelRequestFields: { top_k: 5 },
    });
    expect(JSON.stringify((sent.body as Record<string, unknown>).additionalModelRequestFields)).not.toMatch(
      /guardrail/i,
    );
    expect(Object.keys(sent.headers).filter((name) => name.includes("guardrail"))).toEqual([]);
  });

  it("embeddings and token counting carry no guardrail (Bedrock applies none there)", async () => {
    await openai(guarded).embeddings.create({ model: "amazon.titan-embed-text-v2:0", input: "hello" });
    const invoke = lastCall(emulator, "InvokeModel");
    expect(Object.keys(invoke.headers).filter((name) => name.includes("guardrail"))).toEqual([]);
    expect(invoke.rawBody.toString()).not.toMatch(/guardrail/i);

    await anthropic(guarded).messages.countTokens({
      model: claude,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(lastCall(emulator, "CountTokens").rawBody.toString()).not.toMatch(/guardrail/i);
  });
});

describe("the per-call seam (for per-key guardrails)", () => {
  const input = { modelId: model, messages: [{ role: "user" as const, content: [{ text: "hi" }] }] };
  const sentGuardrail = () =>
    (lastCall(emulator, "Converse").body as Record<string, unknown>).guardrailConfig;

  it("a call's guardrail replaces the deployment's; a call that names none keeps the deployment's", async () => {
    const runtime = guarded.deps.bedrock;
    const keyed = new Exchange();
    keyed.guardrail = { identifier: TEST_GUARDRAIL.id, version: "DRAFT" };
    await runtime.converse(input, undefined, keyed);
    expect(sentGuardrail()).toMatchObject({
      guardrailIdentifier: TEST_GUARDRAIL.id,
      guardrailVersion: "DRAFT",
    });
    await runtime.converse(input, undefined, new Exchange());
    expect(sentGuardrail()).toMatchObject({ guardrailIdentifier: TEST_GUARDRAIL.id, guardrailVersion: "1" });
    await runtime.converse({ ...input, guardrailConfig: { guardrailIdentifier: "", guardrailVersion: "" } });
    expect(sentGuardrail()).toMatchObject({ guardrailIdentifier: TEST_GUARDRAIL.id, guardrailVersion: "1" });
  });
});

describe("a guardrail Bedrock cannot apply", () => {
  it("a guardrail that does not exist is Bedrock's error in each dialect", async () => {
    const missing = await gateway({ ...guardrailEnv, AWS_BEDROCK_GUARDRAIL_IDENTIFIER: "nosuchguardrail" });
    const openAiError = await openai(missing)
      .chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(openAiError).toBeInstanceOf(OpenAI.BadRequestError);
    expect((openAiError as Error).message).toMatch(/guardrail identifier or version .* does not exist/);

    const anthropicError = await anthropic(missing)
      .messages.create({ model: claude, max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(anthropicError).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("a guardrail the role may not use is a 403 naming no ARN or account", async () => {
    const arn = "arn:aws:bedrock:us-east-1:210987654321:guardrail/abc123";
    const denied = await gateway({ ...guardrailEnv, AWS_BEDROCK_GUARDRAIL_IDENTIFIER: arn });
    const error = await openai(denied)
      .chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const text = JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error);
    expect(text).not.toMatch(/\d{12}|arn:aws/);
    // The streamed route fails before its first byte, with the same answer.
    const streamError = await streamedChat(denied, "hi").catch((thrown: unknown) => thrown);
    expect(streamError).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });
});

describe("without a guardrail", () => {
  it("nothing changes: no guardrailConfig, no masking, no blocking, no log field", async () => {
    const plain = await gateway({});
    const from = plain.logs.length;
    const answer = await openai(plain).chat.completions.create({
      model,
      messages: [{ role: "user", content: "the forbidden fruit at alice@example.com" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Echo: the forbidden fruit at alice@example.com");
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(lastCall(emulator, "Converse").body).not.toHaveProperty("guardrailConfig");
    await streamedChat(plain, "hi");
    expect(lastCall(emulator, "ConverseStream").body).not.toHaveProperty("guardrailConfig");
    const line = await loggedRequest(plain, from);
    expect(line).not.toHaveProperty("guardrail");
  });
});
