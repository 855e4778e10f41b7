import type { ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { messageId, toAnthropicMessage } from "../../src/dialects/anthropic/messages-response.js";

const output = (fields: Partial<ConverseCommandOutput>): ConverseCommandOutput =>
  ({
    output: { message: { role: "assistant", content: [] } },
    stopReason: "end_turn",
    usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14 },
    metrics: { latencyMs: 1 },
    $metadata: {},
    ...fields,
  }) as ConverseCommandOutput;

describe("Converse answer → Anthropic message", () => {
  it("translates every block, the stop reason and the usage", () => {
    const message = toAnthropicMessage(
      output({
        output: {
          message: {
            role: "assistant",
            content: [
              { reasoningContent: { reasoningText: { text: "hmm", signature: "sig" } } },
              { reasoningContent: { redactedContent: new Uint8Array([1, 2, 3]) } },
              { text: "Calling." },
              { toolUse: { toolUseId: "tooluse_9", name: "weather", input: { city: "Oslo" } } },
            ],
          },
        },
        stopReason: "tool_use",
        usage: {
          inputTokens: 10,
          outputTokens: 4,
          totalTokens: 14,
          cacheReadInputTokens: 50,
          cacheWriteInputTokens: 5,
        },
      }),
      "msg_1",
      "claude-sonnet-4-5",
      null,
    );
    expect(message).toEqual({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [
        { type: "thinking", thinking: "hmm", signature: "sig" },
        { type: "redacted_thinking", data: "AQID" },
        { type: "text", text: "Calling." },
        { type: "tool_use", id: "tooluse_9", name: "weather", input: { city: "Oslo" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        output_tokens: 4,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 50,
      },
    });
  });

  it.each([
    ["end_turn", "end_turn"],
    ["max_tokens", "max_tokens"],
    ["guardrail_intervened", "refusal"],
    ["content_filtered", "refusal"],
    ["model_context_window_exceeded", "model_context_window_exceeded"],
    ["malformed_tool_use", "end_turn"],
  ])("maps stop reason %s to %s", (reason, expected) => {
    const message = toAnthropicMessage(output({ stopReason: reason as "end_turn" }), "m", "x", null);
    expect(message.stop_reason).toBe(expected);
    expect(message.stop_sequence).toBeNull();
  });

  it("names the stop sequence Claude reports, or the only one asked for", () => {
    const reported = output({
      stopReason: "stop_sequence",
      additionalModelResponseFields: { stop_sequence: "B" },
    });
    expect(toAnthropicMessage(reported, "m", "x", ["A", "B"]).stop_sequence).toBe("B");
    const unreported = output({ stopReason: "stop_sequence" });
    expect(toAnthropicMessage(unreported, "m", "x", ["A"]).stop_sequence).toBe("A");
    expect(toAnthropicMessage(unreported, "m", "x", ["A", "B"]).stop_sequence).toBeNull();
  });

  it("mints msg_ ids", () => {
    expect(messageId()).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(messageId()).not.toBe(messageId());
  });
});
