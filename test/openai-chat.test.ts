import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, startStack } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

const model = "amazon.nova-lite-v1:0";
let stack: Awaited<ReturnType<typeof startStack>>;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({
    MODEL_ALIASES: '{"lite":"amazon.nova-lite-v1:0"}',
    MAX_REQUEST_BODY_SIZE: "2MiB",
  });
  client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => stack.close());
beforeEach(() => stack.emulator.reset());

const lastConverse = () => {
  const request = stack.emulator.requests.filter((r) => r.operation.startsWith("Converse")).at(-1);
  if (!request) throw new Error("no Converse call reached the emulator");
  return request;
};

describe("chat completions", () => {
  it("answers a plain chat with an OpenAI completion", async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: [
        { role: "system", content: "be nice" },
        { role: "user", content: "hello there" },
      ],
      max_tokens: 50,
      temperature: 0.3,
    });
    expect(answer.object).toBe("chat.completion");
    expect(answer.id).toMatch(/^chatcmpl-/);
    expect(answer.model).toBe(model);
    expect(answer.choices[0]?.message.content).toBe("Echo: hello there");
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
    expect(answer.usage?.total_tokens).toBe(
      (answer.usage?.prompt_tokens ?? 0) + (answer.usage?.completion_tokens ?? 0),
    );
    const sent = lastConverse().body as { system: unknown; inferenceConfig: unknown };
    expect(sent.system).toEqual([{ text: "be nice" }]);
    expect(sent.inferenceConfig).toEqual({ maxTokens: 50, temperature: 0.3 });
  });

  it("resolves aliases to the Bedrock model id", async () => {
    await client.chat.completions.create({ model: "lite", messages: [{ role: "user", content: "x" }] });
    expect(lastConverse().modelId).toBe(model);
  });

  it("streams chunks, then the usage chunk, then [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "one two three four" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Echo: one two three four");
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBeGreaterThan(3);
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("sends the usage chunk only when asked", async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && !chunk.usage)).toBe(true);
  });

  it("writes raw SSE ending in data: [DONE]", async () => {
    const response = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], stream: true }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    for (const frame of text.trim().split("\n\n")) expect(frame.startsWith("data: ")).toBe(true);
  });

  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    {
      type: "function",
      function: {
        name: "weather",
        description: "Weather of a city",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    },
  ];

  it("round-trips parallel tool calls", async () => {
    const first = await client.chat.completions.create({
      model,
      messages: [
        { role: "user", content: 'weather? @@tool:weather:{"city":"Paris"} @@tool:weather:{"city":"Rome"}' },
      ],
      tools,
    });
    const message = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(
      message?.tool_calls?.map((call) => call.type === "function" && JSON.parse(call.function.arguments)),
    ).toEqual([{ city: "Paris" }, { city: "Rome" }]);
    const calls = message?.tool_calls ?? [];
    const second = await client.chat.completions.create({
      model,
      tools,
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: calls },
        ...calls.map((call) => ({
          role: "tool" as const,
          tool_call_id: call.id,
          content: `sunny ${call.id}`,
        })),
      ],
    });
    expect(second.choices[0]?.message.content).toContain("sunny");
    const sent = lastConverse().body as {
      messages: { role: string; content: { toolResult?: { toolUseId: string } }[] }[];
    };
    expect(sent.messages).toHaveLength(3);
    expect(sent.messages[2]?.content.map((block) => block.toolResult?.toolUseId)).toEqual(
      calls.map((call) => call.id),
    );
  });

  it("streams tool calls as OpenAI tool-call deltas", async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [
        { role: "user", content: 'go @@tool:weather:{"city":"Oslo"} @@tool:weather:{"city":"Bergen"}' },
      ],
      tools,
      stream: true,
    });
    const args = new Map<number, string>();
    const names = new Map<number, string>();
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (call.function?.name) names.set(call.index, call.function.name);
        args.set(call.index, (args.get(call.index) ?? "") + (call.function?.arguments ?? ""));
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe("tool_calls");
    expect([...names.values()]).toEqual(["weather", "weather"]);
    expect([...args.values()].map((text) => JSON.parse(text))).toEqual([
      { city: "Oslo" },
      { city: "Bergen" },
    ]);
  });

  it("sends a data URL image to Bedrock as image bytes", async () => {
    const png = Buffer.from(
      "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
      "hex",
    );
    await client.chat.completions.create({
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${png.toString("base64")}` } },
          ],
        },
      ],
    });
    const sent = lastConverse().body as {
      messages: { content: { image?: { format: string; source: { bytes: string } } }[] }[];
    };
    const image = sent.messages[0]?.content[1]?.image;
    expect(image?.format).toBe("png");
    expect(Buffer.from(image?.source.bytes ?? "", "base64")).toEqual(png);
  });

  it("surfaces reasoning as reasoning_content", async () => {
    const answer = await client.chat.completions.create({
      model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      messages: [{ role: "user", content: "think @@reason" }],
      reasoning_effort: "low",
    });
    const message = answer.choices[0]?.message as unknown as { reasoning_content?: string } | undefined;
    expect(message?.reasoning_content).toBeTruthy();
    expect(
      (lastConverse().body as { additionalModelRequestFields: unknown }).additionalModelRequestFields,
    ).toEqual({
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
  });

  it.each([
    ["@@maxtokens", "length"],
    ["@@guardrail", "content_filter"],
    ["@@stopseq", "stop"],
  ])("maps %s to finish_reason %s", async (directive, finish) => {
    const answer = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: directive }],
      stop: ["END"],
    });
    expect(answer.choices[0]?.finish_reason).toBe(finish);
  });

  it("reports cached prompt tokens", async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "@@cache" }],
    });
    expect(answer.usage?.prompt_tokens_details?.cached_tokens).toBe(10);
  });
});

describe("connections to Bedrock", () => {
  it("are reused across requests (keep-alive), not opened per call", async () => {
    for (let i = 0; i < 20; i++) {
      await client.chat.completions.create({ model, messages: [{ role: "user", content: `n${i}` }] });
    }
    expect(stack.emulator.requests.filter((r) => r.operation === "Converse")).toHaveLength(20);
    expect(stack.emulator.connections).toBeLessThanOrEqual(2);
  });
});

describe("model names reach Bedrock unaltered", () => {
  it.each(["foo/../bar", "a#b", "a?b=c", "a@b", "../../foundation-models"])("%s", async (name) => {
    const error = await client.chat.completions
      .create({ model: name, messages: [{ role: "user", content: "x" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    expect(lastConverse().modelId).toBe(name);
  });

  it("accepts an inference profile ARN", async () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0";
    const answer = await client.chat.completions.create({
      model: arn,
      messages: [{ role: "user", content: "x" }],
    });
    expect(answer.model).toBe(arn);
    expect(lastConverse().modelId).toBe(arn);
  });
});

describe("Bedrock errors become OpenAI errors", () => {
  it.each([
    ["@@throttle", OpenAI.RateLimitError, 429],
    ["@@error:ThrottlingException", OpenAI.RateLimitError, 429],
    ["@@error:ValidationException", OpenAI.BadRequestError, 400],
    ["@@error:ResourceNotFoundException", OpenAI.NotFoundError, 404],
    ["@@error:AccessDeniedException", OpenAI.PermissionDeniedError, 403],
    ["@@error:ServiceUnavailableException", OpenAI.InternalServerError, 503],
    ["@@error:ModelNotReadyException", OpenAI.InternalServerError, 503],
    ["@@error:ModelTimeoutException", OpenAI.InternalServerError, 504],
    ["@@error:ModelErrorException", OpenAI.InternalServerError, 502],
    ["@@error:InternalServerException", OpenAI.InternalServerError, 502],
    ["@@error:ServiceQuotaExceededException", OpenAI.RateLimitError, 429],
  ])("%s → %s %i", async (directive, errorClass, status) => {
    for (const stream of [false, true]) {
      const error = await client.chat.completions
        .create({ model, messages: [{ role: "user", content: directive }], stream })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(errorClass);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status).toBe(status);
      expect(apiError.message).not.toMatch(/123456789012|arn:aws/);
      expect(apiError.type).toBeTruthy();
    }
  });

  it("passes retry-after on throttling", async () => {
    const response = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "@@throttle" }] }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
  });

  it("turns an error after the stream started into an SSE error event", async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "start @@midstream:ModelStreamErrorException" }],
      stream: true,
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((caught: unknown) => caught);
    expect(seen.join("")).not.toBe("");
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).not.toMatch(/123456789012/);
  });
});

describe("bad input gets a 400 naming the field", () => {
  const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${stack.gateway.url}/v1/chat/completions`, { method: "POST", headers, body });

  it.each([
    ["{not json", null],
    ["[]", null],
    ['{"model":"m"}', "messages"],
    ['{"model":"m","messages":[]}', "messages"],
    ['{"messages":[{"role":"user","content":"x"}]}', "model"],
    ['{"model":5,"messages":[{"role":"user","content":"x"}]}', "model"],
    ['{"model":"m","messages":[{"role":"king","content":"x"}]}', "messages[0].role"],
    ['{"model":"m","messages":[{"role":"user","content":{"a":1}}]}', "messages[0].content"],
    ['{"model":"m","messages":[{"role":"user","content":"x"}],"n":3}', "n"],
    ['{"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"}', "stream"],
    [
      '{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"bad name!"}}]}',
      "tools[0].function.name",
    ],
    [
      '{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}',
      "messages[0].tool_calls[0].function.arguments",
    ],
  ])("%s", async (body, param) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const json = (await response.json()) as {
      error: { message: string; type: string; param: string | null };
    };
    expect(json.error.type).toBe("invalid_request_error");
    expect(json.error.param).toBe(param);
    expect(json.error.message.length).toBeGreaterThan(5);
  });

  it("refuses a body over MAX_REQUEST_BODY_SIZE with 413", async () => {
    const big = JSON.stringify({ model, messages: [{ role: "user", content: "x".repeat(3 * 1024 * 1024) }] });
    const response = await post(big);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
  });

  it("refuses a non-JSON content type with 415", async () => {
    const response = await post("hello", { "content-type": "text/plain" });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: unknown }).error).toBeTruthy();
  });

  it("answers unknown routes with a 404 and wrong methods with a 405", async () => {
    const missing = await fetch(`${stack.gateway.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("/v1/nothing");
    const wrong = await fetch(`${stack.gateway.url}/v1/chat/completions`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect(((await wrong.json()) as { error: unknown }).error).toBeTruthy();
  });

  it("never answers a 500 for bad input", async () => {
    const bodies = [
      "null",
      "0",
      '"x"',
      "{}",
      '{"model":null,"messages":null}',
      '{"model":"m","messages":[null]}',
      '{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:;base64,"}}]}]}',
    ];
    for (const body of bodies) {
      const response = await post(body);
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
    }
  });
});

describe("client disconnects", () => {
  it("abort the Bedrock call of a stalled non-streamed request", async () => {
    const controller = new AbortController();
    const pending = client.chat.completions
      .create({ model, messages: [{ role: "user", content: "@@stall:5000" }] }, { signal: controller.signal })
      .catch(() => undefined);
    await waitFor(() => stack.emulator.requests.some((r) => r.operation === "Converse"));
    controller.abort();
    await pending;
    await waitFor(() => stack.emulator.aborts() > 0);
    expect(lastConverse().aborted).toBe(true);
  });

  it("abort the Bedrock stream when the client stops reading", async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model, messages: [{ role: "user", content: "a b c d e f g h @@slow:300" }], stream: true },
      { signal: controller.signal },
    );
    await (async () => {
      for await (const _chunk of stream) {
        controller.abort();
      }
    })().catch(() => undefined);
    await waitFor(() => stack.emulator.aborts() > 0);
    expect(lastConverse().aborted).toBe(true);
  });
});

describe("models and health", () => {
  it("lists Bedrock text models and aliases in OpenAI's shape", async () => {
    const ids = [];
    for await (const entry of client.models.list()) {
      expect(entry.object).toBe("model");
      ids.push(entry.id);
    }
    expect(ids).toContain(model);
    expect(ids).toContain("lite");
    expect(ids.some((id) => id.startsWith("us."))).toBe(true);
    expect(ids.some((id) => id.includes("embed"))).toBe(true);
  });

  it("retrieves one model and 404s an unknown one", async () => {
    expect((await client.models.retrieve(model)).id).toBe(model);
    await expect(client.models.retrieve("no-such-model")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("answers 503 when Bedrock cannot list models, and keeps serving chat", async () => {
    const uncached = await startGateway(stack.emulator, { MODEL_CACHE_SECONDS: "0" });
    try {
      stack.emulator.failOperation("ListFoundationModels", "ServiceUnavailableException");
      const response = await fetch(`${uncached.url}/v1/models`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: { message: string; code: string } };
      expect(body.error.message).toMatch(/model list could not be read/);
      const chat = new OpenAI({ baseURL: `${uncached.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const answer = await chat.chat.completions.create({
        model,
        messages: [{ role: "user", content: "still up" }],
      });
      expect(answer.choices[0]?.message.content).toBe("Echo: still up");
      stack.emulator.failOperation("ListFoundationModels", null);
      expect((await fetch(`${uncached.url}/v1/models`)).status).toBe(200);
    } finally {
      stack.emulator.failOperation("ListFoundationModels", null);
      await uncached.close();
    }
  });

  it("answers /health without touching Bedrock, and says nothing about its load", async () => {
    const before = stack.emulator.requests.length;
    const response = await fetch(`${stack.gateway.url}/health`);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(stack.emulator.requests.length).toBe(before);
  });

  it("answers every response with a request id", async () => {
    const response = await fetch(`${stack.gateway.url}/health`);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const anthropic = await fetch(`${stack.gateway.url}/anthropic/v1/models`);
    expect(anthropic.headers.get("request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(anthropic.headers.get("request-id")).toBe(anthropic.headers.get("x-request-id"));
  });
});
