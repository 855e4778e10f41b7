import { describe, expect, it } from "vitest";
import { toChatCompletion } from "../../src/dialects/openai/chat-response.js";
import { ChatStreamTranslator } from "../../src/dialects/openai/chat-stream.js";

describe("Converse → OpenAI chat completion", () => {
  it("collects text, reasoning and tool calls and maps usage with cached tokens", () => {
    const completion = toChatCompletion(
      {
        output: {
          message: {
            role: "assistant",
            content: [
              { reasoningContent: { reasoningText: { text: "thinking", signature: "sig" } } },
              { text: "Hello" },
              { toolUse: { toolUseId: "t1", name: "f", input: { a: 1 } } },
            ],
          },
        },
        stopReason: "tool_use",
        usage: {
          inputTokens: 10,
          outputTokens: 5,
          totalTokens: 15,
          cacheReadInputTokens: 4,
          cacheWriteInputTokens: 2,
        },
        metrics: { latencyMs: 1 },
        $metadata: {},
      },
      "chatcmpl-1",
      "my-model",
      123,
    );
    expect(completion.choices[0]).toEqual({
      index: 0,
      logprobs: null,
      finish_reason: "tool_calls",
      message: {
        role: "assistant",
        content: "Hello",
        refusal: null,
        reasoning_content: "thinking",
        tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
      },
    });
    expect(completion.usage).toEqual({
      prompt_tokens: 16,
      completion_tokens: 5,
      total_tokens: 21,
      prompt_tokens_details: { cached_tokens: 4 },
    });
    expect(completion.model).toBe("my-model");
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["tool_use", "tool_calls"],
    ["guardrail_intervened", "content_filter"],
    ["content_filtered", "content_filter"],
  ])("maps stop reason %s to %s", (stopReason, finish) => {
    const completion = toChatCompletion(
      {
        output: { message: { role: "assistant", content: [{ text: "x" }] } },
        stopReason: stopReason as "end_turn",
        usage: undefined,
        metrics: undefined,
        $metadata: {},
      },
      "id",
      "m",
      0,
    );
    expect(completion.choices[0]?.finish_reason).toBe(finish);
  });
});

describe("Converse stream → OpenAI chunks", () => {
  it("numbers tool calls on their own and emits finish and usage chunks", () => {
    const translator = new ChatStreamTranslator("id", "m", 1, true);
    const chunks = [
      { messageStart: { role: "assistant" as const } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hi" } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: "t1", name: "f" } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"a":' } } } },
      { contentBlockStart: { contentBlockIndex: 2, start: { toolUse: { toolUseId: "t2", name: "g" } } } },
      { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: "{}" } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: "1}" } } } },
      { messageStop: { stopReason: "tool_use" as const } },
      { metadata: { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 }, metrics: { latencyMs: 1 } } },
    ]
      .map((event) => translator.translate(event))
      .filter((chunk) => chunk !== undefined);
    const deltas = chunks.map((chunk) => (chunk.choices as { delta: unknown }[])[0]?.delta);
    expect(deltas).toEqual([
      { role: "assistant", content: "" },
      { content: "Hi" },
      { tool_calls: [{ index: 0, id: "t1", type: "function", function: { name: "f", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] },
      { tool_calls: [{ index: 1, id: "t2", type: "function", function: { name: "g", arguments: "" } }] },
      { tool_calls: [{ index: 1, function: { arguments: "{}" } }] },
      { tool_calls: [{ index: 0, function: { arguments: "1}" } }] },
      {},
      undefined,
    ]);
    expect(chunks[7]).toMatchObject({ choices: [{ finish_reason: "tool_calls" }] });
    expect(chunks[8]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });
});
