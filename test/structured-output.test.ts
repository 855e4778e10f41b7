import { Ajv2020 } from "ajv/dist/2020.js";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicClient, type Stack } from "./helpers/anthropic.js";
import { startStack } from "./helpers/gateway.js";

/**
 * Structured output end to end: the official clients ask for a JSON schema, the gateway sends it to Bedrock
 * as outputConfig.textFormat, and the emulator answers, as Bedrock does, with JSON valid against it.
 */
const ajv = new Ajv2020({ strict: false });

const schema = {
  type: "object",
  properties: {
    title: { type: "string", minLength: 2 },
    rating: { type: "integer", minimum: 1, maximum: 5 },
    genre: { enum: ["drama", "comedy"] },
    tags: { type: "array", items: { type: "string" }, minItems: 1 },
    review: {
      anyOf: [
        {
          type: "object",
          properties: { text: { type: "string" } },
          required: ["text"],
          additionalProperties: false,
        },
        { type: "null" },
      ],
    },
    spoilers: { type: "boolean" },
  },
  required: ["title", "rating", "genre", "tags", "review"],
  additionalProperties: false,
};
const valid = ajv.compile(schema);

let stack: Stack;
let openai: OpenAI;
beforeAll(async () => {
  stack = await startStack();
  openai = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => stack.close());

describe("OpenAI response_format json_schema", () => {
  const request = {
    model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    messages: [{ role: "user" as const, content: "Review a film." }],
    response_format: { type: "json_schema" as const, json_schema: { name: "review", schema, strict: true } },
  };

  it("answers JSON that validates against the schema", async () => {
    const completion = await openai.chat.completions.create(request);
    const answer: unknown = JSON.parse(completion.choices[0]?.message.content ?? "");
    expect(valid(answer), JSON.stringify(valid.errors)).toBe(true);
    expect(answer).toMatchObject({ genre: "drama", rating: 1 });
  });

  it("streams the same JSON", async () => {
    let text = "";
    for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(valid(JSON.parse(text)), JSON.stringify(valid.errors)).toBe(true);
  });
});

describe("Anthropic output_config.format", () => {
  it("answers JSON that validates against the schema", async () => {
    const message = await anthropicClient(stack).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      messages: [{ role: "user", content: "Review a film." }],
      output_config: { format: { type: "json_schema", schema } },
    });
    const block = message.content[0];
    expect(block?.type).toBe("text");
    const answer: unknown = JSON.parse(block?.type === "text" ? block.text : "");
    expect(valid(answer), JSON.stringify(valid.errors)).toBe(true);
  });
});
