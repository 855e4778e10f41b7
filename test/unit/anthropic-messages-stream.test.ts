import { readdirSync, readFileSync } from "node:fs";
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { MessagesStreamTranslator, sseFrame } from "../../src/dialects/anthropic/messages-stream.js";

interface Fixture {
  about: string;
  stopSequences: string[] | null;
  bedrock: unknown[];
  anthropic: unknown[];
}

const directory = new URL("../fixtures/anthropic-stream/", import.meta.url);
const fixtures = readdirSync(directory)
  .filter((name) => name.endsWith(".json"))
  .map((name) => [name, JSON.parse(readFileSync(new URL(name, directory), "utf8")) as Fixture] as const);

/** JSON has no bytes: fixtures write redacted reasoning as base64, the SDK hands it over as Uint8Array. */
function toSdkEvent(event: unknown): ConverseStreamOutput {
  return JSON.parse(JSON.stringify(event), (key, value) =>
    key === "reasoningContent" && typeof value?.redactedContentBase64 === "string"
      ? { redactedContent: new Uint8Array(Buffer.from(value.redactedContentBase64, "base64")) }
      : value,
  );
}

function run(fixture: Fixture) {
  const translator = new MessagesStreamTranslator("msg_test", "claude-sonnet-4-5", fixture.stopSequences);
  const events = fixture.bedrock.flatMap((event) => translator.translate(toSdkEvent(event)));
  return { events, rest: translator.finish() };
}

describe("Converse stream → Anthropic events", () => {
  it.each(fixtures)("%s", (_name, fixture) => {
    const { events, rest } = run(fixture);
    expect(events).toEqual(fixture.anthropic);
    expect(rest).toEqual([]);
  });

  it("closes the message at the end of the stream when Bedrock sent no usage", () => {
    const translator = new MessagesStreamTranslator("msg_test", "m", null);
    translator.translate({ messageStart: { role: "assistant" } });
    translator.translate({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: "x" } } });
    expect(translator.translate({ messageStop: { stopReason: "max_tokens" } })).toEqual([
      { type: "content_block_stop", index: 0 },
    ]);
    expect(translator.finish()?.map((event) => event.type)).toEqual(["message_delta", "message_stop"]);
    expect(translator.finish()).toEqual([]);
  });

  it("reports a stream that broke off before the message stopped", () => {
    const translator = new MessagesStreamTranslator("msg_test", "m", null);
    translator.translate({ messageStart: { role: "assistant" } });
    translator.translate({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: "half" } } });
    expect(translator.finish()).toBeUndefined();
  });

  it("writes each event as `event: <type>` and `data: <json>`", () => {
    expect(sseFrame({ type: "ping" })).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});

describe("MessagesStreamTranslator.frames", () => {
  const texts = ["", "Hello", ' "quoted" ', "line\nbreak", "\u0000\u2028", "héllo 🙂", "\\", '"text":""}}'];

  /** The frames a second translator gives by stringifying every event: what the spliced ones must equal. */
  const whole = (bedrock: ConverseStreamOutput[]) => {
    const translator = new MessagesStreamTranslator("msg_test", "claude-sonnet-4-5", null);
    return bedrock.map((event) => translator.translate(event).map(sseFrame).join("") || undefined);
  };

  it.each(fixtures)("gives byte for byte the stringified events (%s)", (_name, fixture) => {
    const bedrock = fixture.bedrock.map(toSdkEvent);
    const translator = new MessagesStreamTranslator("msg_test", "claude-sonnet-4-5", null);
    expect(bedrock.map((event) => translator.frames(event))).toEqual(whole(bedrock));
  });

  it("splices any text, in the second block too, into exactly the stringified frame", () => {
    const bedrock: ConverseStreamOutput[] = [
      { messageStart: { role: "assistant" } },
      ...texts.map((text) => ({ contentBlockDelta: { contentBlockIndex: 0, delta: { text } } })),
      { contentBlockStop: { contentBlockIndex: 0 } },
      ...texts.map((text) => ({ contentBlockDelta: { contentBlockIndex: 2, delta: { text } } })),
      { messageStop: { stopReason: "end_turn" } },
    ];
    const translator = new MessagesStreamTranslator("msg_test", "claude-sonnet-4-5", null);
    const frames = bedrock.map((event) => translator.frames(event));
    expect(frames).toEqual(whole(bedrock));
    expect(frames.at(-2)).toContain('"index":1,');
  });
});
