import { describe, expect, it } from "vitest";
import { type TranslationContext, toConverseInput } from "../../src/dialects/anthropic/messages-request.js";
import { type MessagesRequest, messagesRequestSchema } from "../../src/dialects/anthropic/messages-schema.js";
import { GatewayError } from "../../src/errors.js";
import { parseBody } from "../../src/http/validate.js";
import { dataUrlOnlyLoader } from "../../src/media/data-url.js";

const claude = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);
const pdf = Buffer.from("%PDF-1.4\n%%EOF\n");

const context = (overrides: Partial<TranslationContext> = {}): TranslationContext => ({
  modelId: claude,
  media: dataUrlOnlyLoader,
  betas: [],
  ...overrides,
});

const parse = (body: Record<string, unknown>): MessagesRequest =>
  parseBody(messagesRequestSchema, { model: "claude-sonnet-4-5", max_tokens: 100, ...body });

const translate = (body: Record<string, unknown>, overrides: Partial<TranslationContext> = {}) =>
  toConverseInput(parse(body), context(overrides));

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe("Anthropic Messages → Converse", () => {
  it("translates a conversation with every kind of block", async () => {
    const input = await translate(
      {
        system: [
          { type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } },
          { type: "text", text: "Answer in French." },
        ],
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in these?" },
              {
                type: "image",
                source: { type: "base64", media_type: "image/png", data: png.toString("base64") },
              },
              {
                type: "document",
                title: "report.pdf",
                context: "quarterly",
                source: { type: "base64", media_type: "application/pdf", data: pdf.toString("base64") },
                cache_control: { type: "ephemeral", ttl: "1h" },
              },
              { type: "document", source: { type: "text", media_type: "text/plain", data: "plain words" } },
            ],
          },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "I should look.", signature: "sig-1" },
              { type: "redacted_thinking", data: "AAECAw==" },
              { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "x" } },
            ],
          },
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                tool_use_id: "toolu_1",
                is_error: true,
                content: [{ type: "text", text: "not found" }],
              },
            ],
          },
        ],
        tools: [
          {
            name: "lookup",
            description: "Look things up",
            input_schema: { type: "object", properties: { q: { type: "string" } } },
            cache_control: { type: "ephemeral" },
          },
        ],
        tool_choice: { type: "tool", name: "lookup" },
        thinking: { type: "enabled", budget_tokens: 2048 },
        temperature: 1,
        top_k: 40,
        stop_sequences: ["END"],
        metadata: { user_id: "u-1" },
      },
      { betas: ["interleaved-thinking-2025-05-14"] },
    );
    expect(input).toEqual({
      modelId: claude,
      system: [
        { text: "You are terse." },
        { cachePoint: { type: "default" } },
        { text: "Answer in French." },
      ],
      messages: [
        {
          role: "user",
          content: [
            { text: "What is in these?" },
            { image: { format: "png", source: { bytes: png } } },
            { document: { format: "pdf", name: "report", context: "quarterly", source: { bytes: pdf } } },
            { cachePoint: { type: "default", ttl: "1h" } },
            {
              document: { format: "txt", name: "document-2", source: { bytes: Buffer.from("plain words") } },
            },
          ],
        },
        {
          role: "assistant",
          content: [
            { reasoningContent: { reasoningText: { text: "I should look.", signature: "sig-1" } } },
            { reasoningContent: { redactedContent: Buffer.from([0, 1, 2, 3]) } },
            { toolUse: { toolUseId: "toolu_1", name: "lookup", input: { q: "x" } } },
          ],
        },
        {
          role: "user",
          content: [
            { toolResult: { toolUseId: "toolu_1", content: [{ text: "not found" }], status: "error" } },
          ],
        },
      ],
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: "lookup",
              description: "Look things up",
              inputSchema: { json: { type: "object", properties: { q: { type: "string" } } } },
            },
          },
          { cachePoint: { type: "default" } },
        ],
        toolChoice: { tool: { name: "lookup" } },
      },
      additionalModelRequestFields: {
        thinking: { type: "enabled", budget_tokens: 2048 },
        top_k: 40,
        anthropic_beta: ["interleaved-thinking-2025-05-14"],
      },
      inferenceConfig: { maxTokens: 100, temperature: 1, stopSequences: ["END"] },
      additionalModelResponseFieldPaths: ["/stop_sequence"],
    });
  });

  it("takes string content and merges consecutive turns of one role", async () => {
    const input = await translate({
      system: "be brief",
      messages: [
        { role: "user", content: "one" },
        { role: "user", content: "two" },
        { role: "assistant", content: "The answer is (" },
      ],
    });
    expect(input.system).toEqual([{ text: "be brief" }]);
    expect(input.messages).toEqual([
      { role: "user", content: [{ text: "one" }, { text: "two" }] },
      { role: "assistant", content: [{ text: "The answer is (" }] },
    ]);
  });

  it("puts a top-level cache_control at the end of the conversation", async () => {
    const input = await translate({
      cache_control: { type: "ephemeral" },
      messages: [{ role: "user", content: "long context" }],
    });
    expect(input.messages?.[0]?.content).toEqual([
      { text: "long context" },
      { cachePoint: { type: "default" } },
    ]);
  });

  it.each([
    [{ type: "auto" }, undefined],
    [{ type: "any", disable_parallel_tool_use: true }, { any: {} }],
  ])("maps tool_choice %j", async (choice, expected) => {
    const input = await translate({
      messages: [{ role: "user", content: "x" }],
      tools: [{ name: "t", input_schema: { type: "object" } }],
      tool_choice: choice,
    });
    expect(input.toolConfig?.toolChoice).toEqual(expected);
    expect(input.toolConfig?.tools).toHaveLength(1);
  });

  it("leaves tools out for tool_choice none, unless the history holds tool blocks", async () => {
    const tools = [{ name: "t", input_schema: { type: "object" } }];
    const plain = await translate({
      messages: [{ role: "user", content: "x" }],
      tools,
      tool_choice: { type: "none" },
    });
    expect(plain.toolConfig).toBeUndefined();
    const withHistory = await translate({
      tools,
      tool_choice: { type: "none" },
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: [{ type: "tool_use", id: "a", name: "t", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "a", content: "done" }] },
      ],
    });
    expect(withHistory.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "t", inputSchema: { json: { type: "object" } } } }],
    });
  });

  it("loads url sources through the media loader", async () => {
    const url = `data:image/png;base64,${png.toString("base64")}`;
    const input = await translate({
      messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url } }] }],
    });
    expect(input.messages?.[0]?.content?.[0]).toEqual({ image: { format: "png", source: { bytes: png } } });
  });

  it("passes adaptive thinking, effort and structured output; sends betas only to Claude", async () => {
    const input = await translate(
      {
        messages: [{ role: "user", content: "x" }],
        thinking: { type: "adaptive" },
        output_config: { effort: "low", format: { type: "json_schema", schema: { type: "object" } } },
        stop_sequences: ["Z"],
      },
      { modelId: "amazon.nova-pro-v1:0", betas: ["context-1m-2025-08-07"] },
    );
    expect(input.additionalModelRequestFields).toEqual({
      thinking: { type: "adaptive" },
      output_config: { effort: "low" },
    });
    expect(input.additionalModelResponseFieldPaths).toBeUndefined();
    expect(input.outputConfig).toEqual({
      textFormat: {
        type: "json_schema",
        structure: { jsonSchema: { schema: '{"type":"object"}', name: "response" } },
      },
    });
  });

  it.each([
    [
      "a tool_choice naming no tool",
      { tools: [{ name: "a", input_schema: { type: "object" } }], tool_choice: { type: "tool", name: "b" } },
      "tool_choice.name",
    ],
    [
      "file ids",
      { messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "f" } }] }] },
      "messages[0].content[0].source",
    ],
    [
      "invalid base64",
      {
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "***" } }],
          },
        ],
      },
      "messages[0].content[0].source.data",
    ],
    [
      "a remote url without a fetcher",
      {
        messages: [
          {
            role: "user",
            content: [{ type: "document", source: { type: "url", url: "https://x.test/a.pdf" } }],
          },
        ],
      },
      "messages[0].content[0].source.url",
    ],
  ])("refuses %s with a 400 naming the field", async (_what, body, param) => {
    const error = await refusal(translate({ messages: [{ role: "user", content: "x" }], ...body }));
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
  });
});

describe("Anthropic Messages request validation", () => {
  it.each([
    [{ model: "m", messages: [{ role: "user", content: "x" }] }, "max_tokens", /Field required/],
    [
      { model: "m", max_tokens: "10", messages: [{ role: "user", content: "x" }] },
      "max_tokens",
      /whole number/,
    ],
    [{ max_tokens: 10, messages: [{ role: "user", content: "x" }] }, "model", /Field required/],
    [{ model: "m", max_tokens: 10, messages: [] }, "messages", /empty/],
    [
      { model: "m", max_tokens: 10, messages: [{ role: "tool", content: "x" }] },
      "messages[0].role",
      /user, assistant or system/,
    ],
    [
      { model: "m", max_tokens: 10, messages: [{ role: "user", content: 5 }] },
      "messages[0].content",
      /string/,
    ],
    [
      { model: "m", max_tokens: 10, messages: [{ role: "user", content: [{ type: "audio", data: "x" }] }] },
      "messages[0].content[0].type",
      /text/,
    ],
    [
      { model: "m", max_tokens: 10, messages: [{ role: "user", content: "x" }], temperature: 1.5 },
      "temperature",
      /1/,
    ],
    [
      {
        model: "m",
        max_tokens: 10,
        messages: [{ role: "user", content: "x" }],
        thinking: { type: "enabled", budget_tokens: 10 },
      },
      "thinking.budget_tokens",
      /1024/,
    ],
    [
      {
        model: "m",
        max_tokens: 10,
        messages: [{ role: "user", content: "x" }],
        tools: [{ type: "web_search_20250305", name: "web_search" }],
      },
      "tools[0].type",
      /custom tools/,
    ],
  ])("refuses %j naming %s", (body, param, message) => {
    let error: unknown;
    try {
      parseBody(messagesRequestSchema, body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).param).toBe(param);
    expect((error as GatewayError).message).toMatch(message);
  });

  it("ignores fields Bedrock has no use for", () => {
    const body = parse({
      messages: [{ role: "user", content: "x" }],
      service_tier: "auto",
      container: null,
      context_management: { edits: [] },
      metadata: { user_id: "abc" },
    });
    expect(body.max_tokens).toBe(100);
  });
});
