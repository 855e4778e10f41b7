import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicClient, lastCall, type Stack } from "./helpers/anthropic.js";
import { startStack } from "./helpers/gateway.js";

/**
 * `role: "system"` inside `messages`, as current Claude clients send it (the SDK types it as
 * SystemMessageParam). Bedrock has no such role: leading ones join the system blocks, later ones stay in
 * place as a delimited text block of the user turn there (src/dialects/anthropic/system-messages.ts).
 */
let stack: Stack;
let client: Anthropic;
beforeAll(async () => {
  stack = await startStack();
  client = anthropicClient(stack);
});
afterAll(() => stack.close());
beforeEach(() => stack.emulator.reset());

interface SentMessage {
  role: string;
  content: Record<string, unknown>[];
}
const sent = (operation = "Converse") =>
  lastCall(stack.emulator, operation).body as {
    system?: Record<string, unknown>[];
    messages: SentMessage[];
    additionalModelRequestFields?: { anthropic_beta?: string[] };
  };

const midConversation: Anthropic.MessageParam[] = [
  { role: "user", content: "Review the auth module." },
  { role: "assistant", content: "Found three issues." },
  { role: "user", content: "Now what about performance?" },
  { role: "system", content: "Security review is done. Focus on performance only." },
];

describe("system messages inside messages", () => {
  it("a later one stays in place: a delimited block after the user's text in that turn", async () => {
    const message = await client.messages.create(
      { model: "claude-opus-4-8", max_tokens: 32, system: "You review code.", messages: midConversation },
      { headers: { "anthropic-beta": "mid-conversation-system-2026-04-07" } },
    );
    expect(message.type).toBe("message");
    const body = sent();
    expect(body.system).toEqual([{ text: "You review code." }]);
    expect(body.messages.map((turn) => turn.role)).toEqual(["user", "assistant", "user"]);
    expect(body.messages[2]?.content).toEqual([
      { text: "Now what about performance?" },
      { text: "<system_message>\nSecurity review is done. Focus on performance only.\n</system_message>" },
    ]);
    // Bedrock does not know this beta (it refuses unknown ones), so it is not passed on.
    expect(body.additionalModelRequestFields?.anthropic_beta ?? []).not.toContain(
      "mid-conversation-system-2026-04-07",
    );
  });

  it("after an assistant turn, it opens the next user turn", async () => {
    await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 32,
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        {
          role: "system",
          content: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
        },
        { role: "user", content: "Tell me about Bedrock." },
      ],
    });
    expect(sent().messages[2]?.content).toEqual([
      { text: "<system_message>\nBe brief.\n</system_message>" },
      { cachePoint: { type: "default" } },
      { text: "Tell me about Bedrock." },
    ]);
  });

  it("leading ones join the system blocks, after the top-level system", async () => {
    await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 32,
      system: "First.",
      messages: [
        { role: "system", content: "Second." },
        { role: "user", content: "Hi" },
      ],
    });
    const body = sent();
    expect(body.system).toEqual([{ text: "First." }, { text: "Second." }]);
    expect(body.messages).toEqual([{ role: "user", content: [{ text: "Hi" }] }]);
  });

  it("count_tokens counts them the same way", async () => {
    await client.messages.countTokens({ model: "claude-sonnet-4-5", messages: midConversation });
    expect(sent("CountTokens")).toBeDefined();
    const body = lastCall(stack.emulator, "CountTokens").body as {
      input: { converse: { messages: SentMessage[] } };
    };
    expect(body.input.converse.messages[2]?.content[1]).toEqual({
      text: "<system_message>\nSecurity review is done. Focus on performance only.\n</system_message>",
    });
  });

  it("an empty one between assistant turns adds no empty turn", async () => {
    await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 32,
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "system", content: "" },
        { role: "assistant", content: "Anything else?" },
        { role: "user", content: "No." },
      ],
    });
    expect(sent().messages.map((turn) => turn.role)).toEqual(["user", "assistant", "user"]);
  });

  it("system messages alone are a 400 naming messages", async () => {
    const error = await client.messages
      .create({
        model: "claude-sonnet-4-5",
        max_tokens: 8,
        messages: [{ role: "system", content: "Only this." }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).message).toMatch(/messages/);
  });

  it("a system message with non-text content is a 400 naming it", async () => {
    const error = await client.messages
      .create({
        model: "claude-sonnet-4-5",
        max_tokens: 8,
        messages: [
          { role: "user", content: "Hi" },
          {
            role: "system",
            content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }],
          },
        ] as unknown as Anthropic.MessageParam[],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).message).toMatch(
      /messages\[1\]\.content/,
    );
  });

  it("a model name nobody knows is now the 404 it is, not a 400 about the system role", async () => {
    const error = await client.messages
      .create({ model: "claude-imaginary-9", max_tokens: 8, messages: midConversation })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
  });
});
