import OpenAI, { type APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, startStack } from "./helpers/gateway.js";

const model = "amazon.nova-lite-v1:0";
let stack: Awaited<ReturnType<typeof startStack>>;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack();
  client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => stack.close());
beforeEach(() => stack.emulator.reset());

const lastMessages = () => {
  const request = stack.emulator.requests.filter((r) => r.operation.startsWith("Converse")).at(-1);
  if (!request) throw new Error("no Converse call reached the emulator");
  return (request.body as { messages: { role: string; content: { text?: string }[] }[] }).messages;
};

describe("stored responses (in memory)", () => {
  it("stores by default: retrieve, list input items, delete", async () => {
    const created = await client.responses.create({
      model,
      input: [
        { role: "user", content: "first question" },
        { role: "user", content: [{ type: "input_text", text: "second part" }] },
      ],
      metadata: { ticket: "42" },
    });
    expect((created as unknown as { store: boolean }).store).toBe(true);
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved.id).toBe(created.id);
    expect(retrieved.output_text).toBe(created.output_text);
    expect(retrieved.metadata).toEqual({ ticket: "42" });

    const items = await client.responses.inputItems.list(created.id, { order: "asc" });
    expect(items.data.map((item) => item.type)).toEqual(["message", "message"]);
    expect(items.data[0]).toMatchObject({
      role: "user",
      content: [{ type: "input_text", text: "first question" }],
    });
    expect(items.data.every((item) => typeof item.id === "string" && item.id.startsWith("msg_"))).toBe(true);
    // Newest first by default, one a page with a cursor.
    const page = await client.responses.inputItems.list(created.id, { limit: 1 });
    expect(page.data[0]?.id).toBe(items.data[1]?.id);
    expect(page.has_more).toBe(true);
    const next = await client.responses.inputItems.list(created.id, {
      limit: 1,
      after: page.data[0]?.id ?? "",
    });
    expect(next.data[0]?.id).toBe(items.data[0]?.id);
    expect(next.has_more).toBe(false);

    await client.responses.delete(created.id);
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.responses.delete(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("answers a raw DELETE with OpenAI's deletion object", async () => {
    const created = await client.responses.create({ model, input: "to delete" });
    const response = await fetch(`${stack.gateway.url}/v1/responses/${created.id}`, { method: "DELETE" });
    expect(await response.json()).toEqual({ id: created.id, object: "response", deleted: true });
  });

  it("continues a conversation over three turns with previous_response_id", async () => {
    const first = await client.responses.create({
      model,
      instructions: "turn one rules",
      input: "my name is Ada",
    });
    const second = await client.responses.create({
      model,
      previous_response_id: first.id,
      input: "what is it?",
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(lastMessages().map((message) => message.content[0]?.text)).toEqual([
      "my name is Ada",
      "Echo: my name is Ada",
      "what is it?",
    ]);
    const third = await client.responses.create({
      model,
      previous_response_id: second.id,
      input: "and again?",
    });
    expect(third.output_text).toBe("Echo: and again?");
    const messages = lastMessages();
    expect(messages.map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    expect(messages.map((message) => message.content[0]?.text)).toEqual([
      "my name is Ada",
      "Echo: my name is Ada",
      "what is it?",
      "Echo: what is it?",
      "and again?",
    ]);
    // Instructions are not carried over from earlier turns.
    const request = stack.emulator.requests.filter((r) => r.operation.startsWith("Converse")).at(-1);
    expect((request?.body as { system?: unknown } | undefined)?.system).toBeUndefined();
    expect(request).toBeDefined();
  });

  it("continues a streamed response at once, and a tool call across turns", async () => {
    const tools: OpenAI.Responses.FunctionTool[] = [
      { type: "function", name: "lookup", parameters: { type: "object", properties: {} }, strict: false },
    ];
    const stream = client.responses.stream({ model, tools, input: "look it up @@tool:lookup:{}" });
    const first = await stream.finalResponse();
    const call = first.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call") throw new Error("no function call");
    const second = await client.responses.create({
      model,
      tools,
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: "found it" }],
    });
    expect(second.output_text).toBe("Echo: tool result found it");
  });

  it("resolves item_reference to a stored item of the same caller", async () => {
    const tools: OpenAI.Responses.FunctionTool[] = [
      { type: "function", name: "lookup", parameters: { type: "object", properties: {} }, strict: false },
    ];
    const first = await client.responses.create({ model, tools, input: "look @@tool:lookup:{}" });
    const call = first.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call" || !call.id) throw new Error("no function call");
    await client.responses.create({
      model,
      tools,
      input: [
        { role: "user", content: "look" },
        { type: "item_reference", id: call.id },
        { type: "function_call_output", call_id: call.call_id, output: "here" },
      ],
    });
    expect(lastMessages()[1]?.content).toEqual([
      { toolUse: { toolUseId: call.call_id, name: "lookup", input: {} } },
    ]);
    const error = await client.responses
      .create({ model, input: [{ type: "item_reference", id: "fc_unknown" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).param).toBe("input[0].id");
  });

  it("does not store with store: false", async () => {
    const created = await client.responses.create({ model, input: "secret", store: false });
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const error = await client.responses
      .create({ model, input: "next", previous_response_id: created.id })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).param).toBe("previous_response_id");
  });

  it("refuses to cancel a response that is not in the background", async () => {
    const created = await client.responses.create({ model, input: "x" });
    await expect(client.responses.cancel(created.id)).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(client.responses.cancel("resp_missing")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("counts input tokens with Bedrock CountTokens", async () => {
    const counted = await client.responses.inputTokens.count({ model, input: "count these words please" });
    expect(counted.object).toBe("response.input_tokens");
    expect(counted.input_tokens).toBeGreaterThan(0);
    const request = stack.emulator.requests.at(-1);
    expect(request?.operation).toBe("CountTokens");
    // The same count Converse reports for the same prompt.
    const answered = await client.responses.create({
      model,
      input: "count these words please",
      store: false,
    });
    expect(answered.usage?.input_tokens).toBe(counted.input_tokens);
  });

  it("answers unknown ids with 404 in OpenAI's shape", async () => {
    const response = await fetch(`${stack.gateway.url}/v1/responses/resp_nope/input_items`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});

describe("RESPONSES_STORE=none", () => {
  it("refuses store: true with a 400 naming store, and serves store: false", async () => {
    const gateway = await startGateway(stack.emulator, { RESPONSES_STORE: "none" });
    try {
      const none = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const error = await none.responses.create({ model, input: "x", store: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as APIError).param).toBe("store");
      const unstored = await none.responses.create({ model, input: "x" });
      expect((unstored as unknown as { store: boolean }).store).toBe(false);
      await expect(none.responses.retrieve(unstored.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    } finally {
      await gateway.close();
    }
  });

  it("refuses RESPONSES_STORE=redis without REDIS_URL at startup", async () => {
    await expect(startGateway(stack.emulator, { RESPONSES_STORE: "redis" })).rejects.toThrow(
      /^Invalid configuration: RESPONSES_STORE: is redis, but REDIS_URL is not set/,
    );
  });
});
