import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStack } from "./helpers/gateway.js";

const model = "amazon.nova-lite-v1:0";
let stack: Awaited<ReturnType<typeof startStack>>;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({ MODEL_ALIASES: '{"lite":"amazon.nova-lite-v1:0"}' });
  client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => stack.close());
beforeEach(() => stack.emulator.reset());

interface SentConverse {
  system?: { text: string }[];
  messages: { role: string; content: Record<string, unknown>[] }[];
  inferenceConfig?: Record<string, unknown>;
  toolConfig?: { tools: unknown[]; toolChoice?: unknown };
  outputConfig?: unknown;
  additionalModelRequestFields?: Record<string, unknown>;
}
const lastConverse = () => {
  const request = stack.emulator.requests.filter((r) => r.operation.startsWith("Converse")).at(-1);
  if (!request) throw new Error("no Converse call reached the emulator");
  return { modelId: request.modelId, body: request.body as SentConverse };
};

/** The raw SSE of a streamed request: [event line, parsed data] per frame. */
async function rawEvents(body: Record<string, unknown>) {
  const response = await fetch(`${stack.gateway.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const text = await response.text();
  expect(text).not.toContain("[DONE]");
  return text
    .trim()
    .split("\n\n")
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split("\n");
      expect(rest).toEqual([]);
      const data = JSON.parse(dataLine?.replace(/^data: /, "") ?? "") as Record<string, unknown> & {
        type: string;
        sequence_number: number;
      };
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
}

const tools: OpenAI.Responses.FunctionTool[] = [
  {
    type: "function",
    name: "weather",
    description: "Weather of a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    strict: false,
  },
];

describe("POST /v1/responses", () => {
  it("answers a string input with a completed response", async () => {
    const response = await client.responses.create({
      model: "lite",
      instructions: "be brief",
      input: "hello there",
      max_output_tokens: 64,
      temperature: 0.2,
      store: false,
    });
    expect(response.object).toBe("response");
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe("completed");
    expect(response.model).toBe("lite");
    expect(response.output_text).toBe("Echo: hello there");
    expect(response.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
    expect(response.usage?.input_tokens_details.cached_tokens).toBe(0);
    expect((response as unknown as { store: boolean }).store).toBe(false);
    const sent = lastConverse();
    expect(sent.modelId).toBe(model);
    expect(sent.body.system).toEqual([{ text: "be brief" }]);
    expect(sent.body.inferenceConfig).toEqual({ maxTokens: 64, temperature: 0.2 });
  });

  it("reports Bedrock cache reads as cached_tokens", async () => {
    const response = await client.responses.create({ model, input: "hi @@cache", store: false });
    expect(response.usage?.input_tokens_details.cached_tokens).toBe(10);
  });

  it("takes message items with system, developer, user and assistant roles", async () => {
    await client.responses.create({
      model,
      store: false,
      input: [
        { role: "developer", content: "dev rules" },
        { role: "user", content: [{ type: "input_text", text: "first" }] },
        {
          type: "message",
          role: "assistant",
          content: [{ type: "output_text", text: "ok", annotations: [] }],
          id: "msg_1",
          status: "completed",
        },
        { role: "user", content: "second" },
      ],
    });
    const sent = lastConverse().body;
    expect(sent.system).toEqual([{ text: "dev rules" }]);
    expect(sent.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(sent.messages[1]?.content).toEqual([{ text: "ok" }]);
  });

  it("streams the documented events with strictly increasing sequence numbers", async () => {
    const events = await rawEvents({ model, input: "one two three four", store: false });
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const types = events.map((event) => event.type);
    const deltas = types.filter((type) => type === "response.output_text.delta").length;
    expect(deltas).toBeGreaterThan(3);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...Array(deltas).fill("response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const completed = events.at(-1)?.response as OpenAI.Responses.Response;
    expect(completed.status).toBe("completed");
    expect(completed.usage?.output_tokens).toBeGreaterThan(0);
    expect((events.at(-4) as { text?: string }).text).toBe("Echo: one two three four");
  });

  it("works with the SDK's responses.stream() and finalResponse()", async () => {
    const stream = client.responses.stream({ model, input: "streamed words here", store: false });
    let text = "";
    stream.on("response.output_text.delta", (event) => {
      text += event.delta;
    });
    const final = await stream.finalResponse();
    expect(text).toBe("Echo: streamed words here");
    expect(final.output_text).toBe("Echo: streamed words here");
    expect(final.status).toBe("completed");
  });

  it("round-trips a function call with function_call_output", async () => {
    const first = await client.responses.create({
      model,
      store: false,
      tools,
      tool_choice: "required",
      input: 'weather? @@tool:weather:{"city":"Paris"}',
    });
    const call = first.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "weather", status: "completed" });
    if (call?.type !== "function_call") throw new Error("no function call");
    expect(JSON.parse(call.arguments)).toEqual({ city: "Paris" });
    expect(call.id).toMatch(/^fc_/);
    expect(lastConverse().body.toolConfig?.toolChoice).toEqual({ any: {} });

    const second = await client.responses.create({
      model,
      store: false,
      tools,
      input: [
        { role: "user", content: "weather?" },
        call,
        { type: "function_call_output", call_id: call.call_id, output: "sunny" },
      ],
    });
    expect(second.output_text).toBe("Echo: tool result sunny");
    const sent = lastConverse().body;
    expect(sent.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(sent.messages[1]?.content).toEqual([
      { toolUse: { toolUseId: call.call_id, name: "weather", input: { city: "Paris" } } },
    ]);
    expect(sent.messages[2]?.content).toEqual([
      { toolResult: { toolUseId: call.call_id, content: [{ text: "sunny" }] } },
    ]);
  });

  it("streams function calls as function_call_arguments events", async () => {
    const events = await rawEvents({
      model,
      tools,
      store: false,
      input: '@@tool:weather:{"city":"Oslo"} @@tool:weather:{"city":"Bergen"}',
    });
    const added = events.filter((event) => event.type === "response.output_item.added");
    expect(added.map((event) => (event.item as { type: string }).type)).toEqual([
      "function_call",
      "function_call",
    ]);
    const done = events.filter((event) => event.type === "response.function_call_arguments.done");
    expect(done.map((event) => JSON.parse(event.arguments as string))).toEqual([
      { city: "Oslo" },
      { city: "Bergen" },
    ]);
    for (const event of done) {
      const deltas = events
        .filter((e) => e.type === "response.function_call_arguments.delta" && e.item_id === event.item_id)
        .map((e) => e.delta)
        .join("");
      expect(deltas).toBe(event.arguments);
    }
    const final = events.at(-1)?.response as OpenAI.Responses.Response;
    expect(final.output.map((item) => item.type)).toEqual(["function_call", "function_call"]);
  });

  it("sends text.format json_schema as Bedrock structured output", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    await client.responses.create({
      model,
      store: false,
      input: "a city",
      text: { format: { type: "json_schema", name: "city", schema, strict: true } },
    });
    expect(lastConverse().body.outputConfig).toEqual({
      textFormat: {
        type: "json_schema",
        structure: { jsonSchema: { schema: JSON.stringify(schema), name: "city" } },
      },
    });
  });

  it("asks for JSON with text.format json_object", async () => {
    await client.responses.create({
      model,
      store: false,
      input: "json",
      text: { format: { type: "json_object" } },
    });
    expect(lastConverse().body.system?.at(-1)?.text).toMatch(/JSON object/);
  });

  it("maps reasoning.effort and returns reasoning as a summary with its signature", async () => {
    const response = await client.responses.create({
      model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      store: false,
      input: "think @@reason",
      reasoning: { effort: "low" },
    });
    expect(lastConverse().body.additionalModelRequestFields).toEqual({
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
    const reasoning = response.output[0];
    if (reasoning?.type !== "reasoning") throw new Error("no reasoning item");
    expect(reasoning.summary[0]?.text).toMatch(/^Thinking about how to answer/);
    expect(reasoning.encrypted_content).toBeTruthy();
    expect(response.output_text).toBe("Echo: think");

    // Passed back, the reasoning returns to Bedrock with its signature.
    await client.responses.create({
      model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      store: false,
      input: [
        { role: "user", content: "think" },
        ...(response.output as OpenAI.Responses.ResponseInputItem[]),
        { role: "user", content: "again" },
      ],
    });
    expect(lastConverse().body.messages[1]?.content[0]).toEqual({
      reasoningContent: {
        reasoningText: { text: reasoning.summary[0]?.text, signature: reasoning.encrypted_content },
      },
    });
  });

  it("streams reasoning as reasoning_summary events", async () => {
    const events = await rawEvents({ model, store: false, input: "deep @@reason" });
    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
    ]);
    expect(types).toContain("response.reasoning_summary_text.delta");
    const reasoningDone = types.indexOf("response.reasoning_summary_text.done");
    expect(types.slice(reasoningDone, reasoningDone + 3)).toEqual([
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
    ]);
    const final = events.at(-1)?.response as OpenAI.Responses.Response;
    expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    const reasoning = final.output[0] as OpenAI.Responses.ResponseReasoningItem;
    expect(reasoning.encrypted_content).toBeTruthy();
    expect(reasoning.summary[0]?.text).toMatch(/^Thinking/);
  });

  it("sends a data URL image as image bytes", async () => {
    const png = Buffer.from(
      "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
      "hex",
    );
    await client.responses.create({
      model,
      store: false,
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "what is this?" },
            {
              type: "input_image",
              image_url: `data:image/png;base64,${png.toString("base64")}`,
              detail: "auto",
            },
          ],
        },
      ],
    });
    const image = lastConverse().body.messages[0]?.content[1]?.image as {
      format: string;
      source: { bytes: string };
    };
    expect(image.format).toBe("png");
    expect(Buffer.from(image.source.bytes, "base64")).toEqual(png);
  });

  it("is incomplete when max_output_tokens is reached", async () => {
    const response = await client.responses.create({ model, store: false, input: "long @@maxtokens" });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    const events = await rawEvents({ model, store: false, input: "long @@maxtokens" });
    expect(events.at(-1)?.type).toBe("response.incomplete");
    const last = events.at(-1)?.response as { incomplete_details: unknown };
    expect(last.incomplete_details).toEqual({
      reason: "max_output_tokens",
    });
  });

  it("ends a stream that fails midway with error and response.failed", async () => {
    const events = await rawEvents({
      model,
      store: false,
      input: "a b c d e @@midstream:ThrottlingException",
    });
    const types = events.map((event) => event.type);
    expect(types).toContain("response.output_text.delta");
    const error = events.find((event) => event.type === "error");
    expect(error).toMatchObject({ code: "rate_limit_exceeded" });
    expect(types.at(-1)).toBe("response.failed");
    const failed = events.at(-1)?.response as OpenAI.Responses.Response;
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("rate_limit_exceeded");
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
  });
});

describe("POST /v1/responses refusals", () => {
  const post = async (body: Record<string, unknown>) => {
    const response = await fetch(`${stack.gateway.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error: Record<string, unknown> } };
  };

  it.each([
    [{ model, input: "x", tools: [{ type: "web_search" }] }, "tools[0].type", /web_search/],
    [
      { model, input: "x", tools: [tools[0], { type: "file_search", vector_store_ids: [] }] },
      "tools[1].type",
      /file_search/,
    ],
    [{ model, input: "x", background: true }, "background", /background/],
    [{ model, input: "x", truncation: "auto" }, "truncation", /disabled/],
    [{ model, input: [{ type: "web_search_call", id: "ws_1" }] }, "input[0].type", /web_search_call/],
    [
      {
        model,
        input: [
          { type: "function_call", call_id: "c", name: "f", arguments: "[1]" },
          { role: "user", content: "x" },
        ],
      },
      "input[0].arguments",
      /JSON object/,
    ],
    [{ input: "x" }, "model", /model/],
    [{ model, input: "x", conversation: "conv_1" }, "conversation", /previous_response_id/],
    [
      { model, input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] },
      "input[0].content[0].file_id",
      /file ids/,
    ],
  ])("refuses %j naming the field", async (body, param, message) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: "invalid_request_error", param });
    expect(answer.body.error.message).toMatch(message);
  });

  it("answers Bedrock's errors in OpenAI's shape", async () => {
    const error = await client.responses
      .create({ model, input: "@@error:ValidationException", store: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});
