import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicClient, lastCall, parseSse, type Stack } from "./helpers/anthropic.js";
import { startStack } from "./helpers/gateway.js";

const model = "claude-haiku-4-5";
const bedrockModel = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
let stack: Stack;
let client: Anthropic;

beforeAll(async () => {
  stack = await startStack({ MODEL_ALIASES: '{"house-model":"claude-sonnet-4-0"}' });
  client = anthropicClient(stack);
});
afterAll(() => stack.close());
beforeEach(() => stack.emulator.reset());

type ConverseBody = {
  modelId?: string;
  system?: unknown;
  messages: { role: string; content: Record<string, unknown>[] }[];
  inferenceConfig?: unknown;
  toolConfig?: unknown;
  additionalModelRequestFields?: Record<string, unknown>;
  additionalModelResponseFieldPaths?: string[];
};
const sent = (operation = "Converse") => lastCall(stack.emulator, operation).body as ConverseBody;

const weather: Anthropic.Tool = {
  name: "weather",
  description: "Weather of a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

/** This SDK version's types no longer have sampling fields; older SDKs and Claude Code still send them. */
const olderClientSampling = { temperature: 0.5 };

describe("messages", () => {
  it("answers a plain message in Anthropic's shape", async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 50,
      system: "be nice",
      messages: [{ role: "user", content: "hello there" }],
      ...olderClientSampling,
      stop_sequences: ["END"],
      metadata: { user_id: "user-1" },
    });
    expect(message).toEqual({
      id: expect.stringMatching(/^msg_/),
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text: "Echo: hello there" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: expect.any(Number),
        output_tokens: 3,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
    expect(message._request_id).toMatch(/^[0-9a-f-]{36}$/);
    const call = lastCall(stack.emulator);
    expect(call.modelId).toBe(bedrockModel);
    expect(call.body).toMatchObject({
      system: [{ text: "be nice" }],
      inferenceConfig: { maxTokens: 50, temperature: 0.5, stopSequences: ["END"] },
      additionalModelResponseFieldPaths: ["/stop_sequence"],
    });
  });

  it("resolves MODEL_ALIASES and public names; Bedrock ids go as given", async () => {
    await client.messages.create({
      model: "house-model",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
    expect(lastCall(stack.emulator).modelId).toBe("us.anthropic.claude-sonnet-4-20250514-v1:0");
    const direct = "anthropic.claude-3-haiku-20240307-v1:0";
    const message = await client.messages.create({
      model: direct,
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
    expect(message.model).toBe(direct);
    expect(lastCall(stack.emulator).modelId).toBe(direct);
  });

  it("names the stop sequence that ended the answer", async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 50,
      stop_sequences: ["STOP"],
      messages: [{ role: "user", content: "count @@stopseq" }],
    });
    expect(message.stop_reason).toBe("stop_sequence");
    expect(message.stop_sequence).toBe("STOP");
  });

  it.each([
    ["@@maxtokens", "max_tokens"],
    ["@@guardrail", "refusal"],
  ])("maps %s to stop_reason %s", async (directive, reason) => {
    const message = await client.messages.create({
      model,
      max_tokens: 5,
      messages: [{ role: "user", content: directive }],
    });
    expect(message.stop_reason).toBe(reason);
  });

  it("reports prompt cache reads and writes, and sends cache_control as cachePoint blocks", async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 5,
      system: [{ type: "text", text: "long instructions", cache_control: { type: "ephemeral" } }],
      tools: [{ ...weather, cache_control: { type: "ephemeral", ttl: "1h" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "@@cache", cache_control: { type: "ephemeral" } }] },
      ],
    });
    expect(message.usage).toMatchObject({ cache_read_input_tokens: 10, cache_creation_input_tokens: 5 });
    const body = sent();
    expect(body.system).toEqual([{ text: "long instructions" }, { cachePoint: { type: "default" } }]);
    expect(body.messages[0]?.content).toEqual([{ text: "@@cache" }, { cachePoint: { type: "default" } }]);
    expect((body.toolConfig as { tools: unknown[] }).tools[1]).toEqual({
      cachePoint: { type: "default", ttl: "1h" },
    });
  });

  it("passes Bedrock-supported betas and drops the others", async () => {
    await client.beta.messages.create({
      model,
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
      betas: ["interleaved-thinking-2025-05-14", "claude-code-20250219", "files-api-2025-04-14"],
    });
    expect(sent().additionalModelRequestFields).toEqual({
      anthropic_beta: ["interleaved-thinking-2025-05-14"],
    });
  });
});

describe("streaming", () => {
  it("streams to messages.stream().finalMessage()", async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 50,
      messages: [{ role: "user", content: "one two three four" }],
    });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(texts.length).toBeGreaterThan(3);
    expect(message.content).toEqual([{ type: "text", text: "Echo: one two three four" }]);
    expect(message.stop_reason).toBe("end_turn");
    // Bedrock reports input tokens at the end; message_delta carries them to the final message.
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBe(5);
    expect(lastCall(stack.emulator).operation).toBe("ConverseStream");
  });

  it("writes Anthropic's exact event sequence", async () => {
    const response = await fetch(`${stack.gateway.url}/anthropic/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model,
        max_tokens: 50,
        stream: true,
        messages: [{ role: "user", content: 'think @@reason @@deltas:2 @@tool:weather:{"city":"Paris"}' }],
        tools: [weather],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseSse(await response.text());
    expect(events.map((event) => event.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      // "Thinking about how to answer: think", one delta a word, then the signature
      ...Array(7).fill("content_block_delta"),
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const event of events) expect(event.data.type).toBe(event.event);
    const deltaTypes = events
      .filter((event) => event.event === "content_block_delta")
      .map((event) => `${event.data.index}:${(event.data.delta as { type: string }).type}`);
    expect(deltaTypes).toEqual([
      ...Array(6).fill("0:thinking_delta"),
      "0:signature_delta",
      "1:text_delta",
      "1:text_delta",
      "2:input_json_delta",
      "2:input_json_delta",
    ]);
    expect(events.at(-2)?.data).toMatchObject({
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { output_tokens: expect.any(Number), input_tokens: expect.any(Number) },
    });
  });

  it("streams tool calls that the SDK assembles into parsed input", async () => {
    const message = await client.messages
      .stream({
        model,
        max_tokens: 50,
        tools: [weather],
        messages: [
          { role: "user", content: '@@tool:weather:{"city":"Oslo"} @@tool:weather:{"city":"Bergen"}' },
        ],
      })
      .finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content.map((block) => block.type === "tool_use" && block.input)).toEqual([
      { city: "Oslo" },
      { city: "Bergen" },
    ]);
  });
});

describe("tools", () => {
  it("round-trips a tool call", async () => {
    const first = await client.messages.create({
      model,
      max_tokens: 100,
      tools: [weather],
      tool_choice: { type: "any" },
      messages: [{ role: "user", content: 'Weather? @@tool:weather:{"city":"Paris"}' }],
    });
    expect(first.stop_reason).toBe("tool_use");
    const call = first.content.find((block) => block.type === "tool_use");
    expect(call).toMatchObject({ type: "tool_use", name: "weather", input: { city: "Paris" } });
    expect((sent().toolConfig as { toolChoice: unknown }).toolChoice).toEqual({ any: {} });

    const second = await client.messages.create({
      model,
      max_tokens: 100,
      tools: [weather],
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: call?.type === "tool_use" ? call.id : "", content: "sunny" },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "Echo: tool result sunny" }]);
    const body = sent();
    expect(body.messages[1]?.content.at(-1)).toEqual({
      toolUse: {
        toolUseId: call?.type === "tool_use" ? call.id : "",
        name: "weather",
        input: { city: "Paris" },
      },
    });
    expect(body.messages[2]?.content).toEqual([
      { toolResult: { toolUseId: call?.type === "tool_use" ? call.id : "", content: [{ text: "sunny" }] } },
    ]);
  });

  it("marks failed tool results as errors", async () => {
    await client.messages.create({
      model,
      max_tokens: 100,
      tools: [weather],
      messages: [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "toolu_1", name: "weather", input: { city: "X" } }],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              is_error: true,
              content: [{ type: "text", text: "no such city" }],
            },
          ],
        },
      ],
    });
    expect(sent().messages[2]?.content[0]).toEqual({
      toolResult: { toolUseId: "toolu_1", content: [{ text: "no such city" }], status: "error" },
    });
  });
});

describe("images and documents", () => {
  const png = Buffer.from(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
      "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
    "hex",
  );
  const pdf = Buffer.from(
    "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
  );

  it("sends a base64 image and a PDF document to Bedrock as bytes", async () => {
    await client.messages.create({
      model,
      max_tokens: 20,
      messages: [
        {
          role: "user",
          content: [
            {
              type: "image",
              source: { type: "base64", media_type: "image/png", data: png.toString("base64") },
            },
            {
              type: "document",
              title: "Annual report.pdf",
              source: { type: "base64", media_type: "application/pdf", data: pdf.toString("base64") },
            },
            { type: "text", text: "What are these?" },
          ],
        },
      ],
    });
    const [image, document, text] = sent().messages[0]?.content ?? [];
    const imageBlock = image?.image as { format: string; source: { bytes: string } };
    expect(imageBlock.format).toBe("png");
    expect(Buffer.from(imageBlock.source.bytes, "base64")).toEqual(png);
    const documentBlock = document?.document as { format: string; name: string; source: { bytes: string } };
    expect(documentBlock.format).toBe("pdf");
    expect(documentBlock.name).toBe("Annual report");
    expect(Buffer.from(documentBlock.source.bytes, "base64")).toEqual(pdf);
    expect(text).toEqual({ text: "What are these?" });
  });
});

describe("extended thinking", () => {
  it("returns thinking with its signature and sends it back on the next turn", async () => {
    const thinking = { type: "enabled" as const, budget_tokens: 2048 };
    const first = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking,
      messages: [{ role: "user", content: "Why is the sky blue? @@reason" }],
    });
    expect(sent().additionalModelRequestFields).toEqual({
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
    const [reasoning, answer] = first.content;
    expect(reasoning).toEqual({
      type: "thinking",
      thinking: expect.stringContaining("Thinking"),
      signature: expect.any(String),
    });
    expect(reasoning?.type === "thinking" && reasoning.signature.length).toBeGreaterThan(10);
    expect(answer?.type).toBe("text");

    await client.messages.create({
      model,
      max_tokens: 4096,
      thinking,
      messages: [
        { role: "user", content: "Why is the sky blue?" },
        { role: "assistant", content: first.content },
        { role: "user", content: "And at sunset?" },
      ],
    });
    const assistant = sent().messages[1];
    expect(assistant?.role).toBe("assistant");
    expect(assistant?.content[0]).toEqual({
      reasoningContent: {
        reasoningText: {
          text: reasoning?.type === "thinking" ? reasoning.thinking : "",
          signature: reasoning?.type === "thinking" ? reasoning.signature : "",
        },
      },
    });
  });

  it("streams thinking and its signature", async () => {
    const message = await client.messages
      .stream({
        model,
        max_tokens: 4096,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "ponder @@reason" }],
      })
      .finalMessage();
    const block = message.content[0];
    expect(block?.type).toBe("thinking");
    expect(block?.type === "thinking" && block.thinking).toContain("ponder");
    expect(block?.type === "thinking" && block.signature.length).toBeGreaterThan(10);
  });
});

describe("redacted thinking", () => {
  it("comes back as opaque data, streamed or not, and goes back to Bedrock as the same bytes", async () => {
    const params = {
      model,
      max_tokens: 4096,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
      messages: [{ role: "user" as const, content: "secret plans @@redact" }],
    };
    const plain = await client.messages.create(params);
    const streamed = await client.messages.stream(params).finalMessage();
    const [redacted, answer] = plain.content;
    expect(redacted).toEqual({
      type: "redacted_thinking",
      data: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
    expect(answer?.type).toBe("text");
    expect(streamed.content).toEqual(plain.content);

    await client.messages.create({
      ...params,
      messages: [
        ...params.messages,
        { role: "assistant", content: plain.content },
        { role: "user", content: "go on" },
      ],
    });
    const sentBack = sent().messages[1]?.content[0] as { reasoningContent: { redactedContent: string } };
    expect(Buffer.from(sentBack.reasoningContent.redactedContent, "base64")).toEqual(
      Buffer.from(redacted?.type === "redacted_thinking" ? redacted.data : "", "base64"),
    );
  });
});

describe("count_tokens", () => {
  it("counts through Bedrock CountTokens with the same translation as messages", async () => {
    const params = {
      model,
      system: "be brief",
      tools: [weather],
      messages: [{ role: "user" as const, content: "how many tokens are these words" }],
    };
    const counted = await client.messages.countTokens(params);
    const call = lastCall(stack.emulator, "CountTokens");
    // Bedrock counts per foundation model: the inference profile prefix is dropped.
    expect(call.modelId).toBe("anthropic.claude-haiku-4-5-20251001-v1:0");
    expect((call.body as { input: { converse: { system: unknown } } }).input.converse.system).toEqual([
      { text: "be brief" },
    ]);
    const message = await client.messages.create({ ...params, max_tokens: 10 });
    expect(counted.input_tokens).toBe(message.usage.input_tokens);
    expect(counted.input_tokens).toBeGreaterThan(6);
  });
});
