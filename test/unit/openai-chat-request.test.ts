import { describe, expect, it } from "vitest";
import { toConverseInput } from "../../src/dialects/openai/chat-request.js";
import { chatRequestSchema } from "../../src/dialects/openai/chat-schema.js";
import { GatewayError } from "../../src/errors.js";
import { parseBody } from "../../src/http/validate.js";
import { dataUrlOnlyLoader } from "../../src/media/data-url.js";

const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
const translate = (body: object, model = "amazon.nova-lite-v1:0") =>
  toConverseInput(parseBody(chatRequestSchema, body), model, dataUrlOnlyLoader);

describe("OpenAI chat request → Converse", () => {
  it("puts system and developer messages in system blocks and merges same-role turns", async () => {
    const input = await translate({
      model: "m",
      messages: [
        { role: "system", content: "be brief" },
        { role: "developer", content: [{ type: "text", text: "use English" }] },
        { role: "user", content: "a" },
        { role: "user", content: [{ type: "text", text: "b" }] },
        { role: "assistant", content: "c" },
        { role: "user", content: "d" },
      ],
    });
    expect(input.system).toEqual([{ text: "be brief" }, { text: "use English" }]);
    expect(input.messages).toEqual([
      { role: "user", content: [{ text: "a" }, { text: "b" }] },
      { role: "assistant", content: [{ text: "c" }] },
      { role: "user", content: [{ text: "d" }] },
    ]);
  });

  it("maps inference parameters and passes unknown fields to the model", async () => {
    const input = await translate({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 10,
      max_completion_tokens: 20,
      stop: "END",
      top_k: 40,
      seed: 7,
      user: "u",
    });
    expect(input.inferenceConfig).toEqual({
      maxTokens: 20,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ["END"],
    });
    expect(input.additionalModelRequestFields).toEqual({ top_k: 40 });
  });

  it("turns tools, tool calls and consecutive tool results into Converse blocks", async () => {
    const input = await translate({
      model: "m",
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: "",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "call_2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "tool", tool_call_id: "call_2", content: "rain" },
      ],
      tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "weather" } },
    });
    expect(input.messages?.[1]).toEqual({
      role: "assistant",
      content: [
        { toolUse: { toolUseId: "call_1", name: "weather", input: { city: "Paris" } } },
        { toolUse: { toolUseId: "call_2", name: "weather", input: { city: "Rome" } } },
      ],
    });
    expect(input.messages?.[2]).toEqual({
      role: "user",
      content: [
        { toolResult: { toolUseId: "call_1", content: [{ text: "sunny" }] } },
        { toolResult: { toolUseId: "call_2", content: [{ text: "rain" }] } },
      ],
    });
    expect(input.toolConfig?.toolChoice).toEqual({ tool: { name: "weather" } });
  });

  it("omits tools for tool_choice none and maps required to any", async () => {
    const base = {
      model: "m",
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "function", function: { name: "f" } }],
    };
    expect((await translate({ ...base, tool_choice: "none" })).toolConfig).toBeUndefined();
    expect((await translate({ ...base, tool_choice: "required" })).toolConfig?.toolChoice).toEqual({
      any: {},
    });
  });

  it("decodes data URL images and names the field of a bad one", async () => {
    const url = `data:image/png;base64,${png.toString("base64")}`;
    const input = await translate({
      model: "m",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
    });
    const block = input.messages?.[0]?.content?.[0];
    expect(block?.image?.format).toBe("png");
    expect(Buffer.from(block?.image?.source?.bytes as Uint8Array)).toEqual(png);

    const bad = translate({
      model: "m",
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,@@@" } }] },
      ],
    });
    await expect(bad).rejects.toMatchObject({ status: 400, param: "messages[0].content[0].image_url.url" });
  });

  it("refuses remote URLs while no fetcher is configured", async () => {
    await expect(
      translate({
        model: "m",
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "http://example.test/a.png" } }] },
        ],
      }),
    ).rejects.toBeInstanceOf(GatewayError);
  });

  it("maps reasoning_effort to a Claude thinking budget below max_tokens", async () => {
    const input = await translate(
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        reasoning_effort: "high",
        max_tokens: 4000,
        temperature: 0.5,
      },
      "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    );
    expect(input.additionalModelRequestFields).toEqual({
      thinking: { type: "enabled", budget_tokens: 3999 },
    });
    expect(input.inferenceConfig).toEqual({ maxTokens: 4000 });
  });

  it("maps json_schema to Bedrock structured output", async () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const input = await translate({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      response_format: { type: "json_schema", json_schema: { name: "thing", schema } },
    });
    expect(input.outputConfig?.textFormat?.structure?.jsonSchema).toEqual({
      schema: JSON.stringify(schema),
      name: "thing",
    });
  });

  it.each([
    [{ messages: [{ role: "user", content: "x" }] }, "model"],
    [{ model: "m" }, "messages"],
    [{ model: "m", messages: [] }, "messages"],
    [{ model: "m", messages: [{ role: "wizard", content: "x" }] }, "messages[0].role"],
    [{ model: "m", messages: [{ role: "user", content: 5 }] }, "messages[0].content"],
    [{ model: "m", messages: [{ role: "user", content: "x" }], n: 2 }, "n"],
    [{ model: "m", messages: [{ role: "user", content: "x" }], temperature: "hot" }, "temperature"],
  ])("refuses %j naming %s", (body, param) => {
    expect(() => parseBody(chatRequestSchema, body)).toThrow(GatewayError);
    try {
      parseBody(chatRequestSchema, body);
    } catch (error) {
      expect((error as GatewayError).param).toBe(param);
    }
  });
});
