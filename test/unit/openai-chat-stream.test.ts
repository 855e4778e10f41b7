import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { ChatStreamTranslator } from "../../src/dialects/openai/chat-stream.js";

const texts = [
  "",
  "Hello",
  ' "quoted" ',
  "line\nbreak\ttab",
  "\u0000\u001f\u2028\u2029",
  "héllo 🙂 中文",
  "\\",
  '}{"delta":',
];
const models = ["gpt-4o", 'odd"model\\name', '"delta":{"content":""}'];

const whole = (translator: ChatStreamTranslator, event: ConverseStreamOutput) => {
  const chunk = translator.translate(event);
  return chunk ? `data: ${JSON.stringify(chunk)}\n\n` : undefined;
};

describe("ChatStreamTranslator.frame", () => {
  it.each(models)(
    "splices text deltas into exactly the frame stringifying the chunk gives (model %s)",
    (model) => {
      for (const includeUsage of [false, true]) {
        const translator = new ChatStreamTranslator("chatcmpl-abc", model, 1_764_000_000, includeUsage);
        for (const text of texts) {
          const event: ConverseStreamOutput = {
            contentBlockDelta: { contentBlockIndex: 0, delta: { text } },
          };
          const frame = translator.frame(event);
          expect(frame).toBe(whole(translator, event));
          const parsed = JSON.parse(frame?.slice(6) ?? "null") as {
            choices: { delta: { content: string } }[];
          };
          expect(parsed.choices[0]?.delta.content).toBe(text);
        }
      }
    },
  );

  it("frames the other events as their whole chunk, and nothing for events without one", () => {
    const translator = new ChatStreamTranslator("chatcmpl-abc", "m", 1, true);
    const events: ConverseStreamOutput[] = [
      { messageStart: { role: "assistant" } },
      { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: "t1", name: "f" } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"a":' } } } },
      { contentBlockStop: { contentBlockIndex: 1 } },
      { messageStop: { stopReason: "tool_use" } },
      { metadata: { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 }, metrics: { latencyMs: 1 } } },
    ];
    const frames = events.map((event) => translator.frame(event));
    expect(frames[3]).toBeUndefined();
    for (const [index, frame] of frames.entries()) {
      if (index !== 3) expect(frame).toMatch(/^data: \{.*\}\n\n$/s);
    }
    expect(JSON.parse(frames[5]?.slice(6) ?? "null")).toMatchObject({
      choices: [],
      usage: { total_tokens: 7 },
    });
  });
});
