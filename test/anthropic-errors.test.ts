import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicClient, lastCall, parseSse, type Stack } from "./helpers/anthropic.js";
import { startGateway, startStack } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

const model = "claude-haiku-4-5";
let stack: Stack;
let client: Anthropic;

beforeAll(async () => {
  stack = await startStack({ MAX_REQUEST_BODY_SIZE: "1MiB" });
  client = anthropicClient(stack);
});
afterAll(async () => {
  // After the aborted requests below, the client's fetch opens a connection that never sends a request.
  // Node counts such a connection as busy (waiting for headers), so a graceful close would wait for it.
  stack.gateway.app.server.closeAllConnections();
  await stack.close();
});
beforeEach(() => stack.emulator.reset());

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Anthropic.APIError);
  return error as InstanceType<typeof Anthropic.APIError>;
}

const post = (
  path: string,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
) => fetch(`${stack.gateway.url}/anthropic${path}`, { method: "POST", headers, body });

type ErrorBody = { type: string; error: { type: string; message: string } };

describe("Bedrock errors become Anthropic errors", () => {
  it.each([
    ["@@throttle", Anthropic.RateLimitError, 429, "rate_limit_error"],
    ["@@error:ServiceQuotaExceededException", Anthropic.RateLimitError, 429, "rate_limit_error"],
    ["@@error:ValidationException", Anthropic.BadRequestError, 400, "invalid_request_error"],
    ["@@error:ResourceNotFoundException", Anthropic.NotFoundError, 404, "not_found_error"],
    ["@@error:AccessDeniedException", Anthropic.PermissionDeniedError, 403, "permission_error"],
    ["@@error:ServiceUnavailableException", Anthropic.OverloadedError, 529, "overloaded_error"],
    ["@@error:ModelNotReadyException", Anthropic.OverloadedError, 529, "overloaded_error"],
    ["@@error:ModelTimeoutException", Anthropic.GatewayTimeoutError, 504, "timeout_error"],
    ["@@error:ModelErrorException", Anthropic.InternalServerError, 502, "api_error"],
    ["@@error:InternalServerException", Anthropic.InternalServerError, 502, "api_error"],
  ])("%s → %s %i %s", async (directive, errorClass, status, type) => {
    for (const stream of [false, true]) {
      const error = await failure(
        client.messages.create({
          model,
          max_tokens: 10,
          messages: [{ role: "user", content: directive }],
          stream,
        }),
      );
      expect(error).toBeInstanceOf(errorClass);
      expect(error.status).toBe(status);
      expect(error.type).toBe(type);
      expect(error.error).toEqual({ type: "error", error: { type, message: expect.any(String) } });
      expect(error.message).not.toMatch(/123456789012|arn:aws/);
      expect(error.requestID).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("passes retry-after on throttling", async () => {
    const response = await post(
      "/v1/messages",
      JSON.stringify({ model, max_tokens: 5, messages: [{ role: "user", content: "@@throttle" }] }),
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
  });

  it("turns an error after the stream started into an error event", async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 50,
      messages: [{ role: "user", content: "one two three @@midstream:ModelStreamErrorException" }],
    });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const error = await failure(stream.finalMessage());
    expect(texts.join("")).not.toBe("");
    expect(error.type).toBe("api_error");
    expect(error.message).not.toMatch(/123456789012|arn:aws/);

    const response = await post(
      "/v1/messages",
      JSON.stringify({
        model,
        max_tokens: 50,
        stream: true,
        messages: [{ role: "user", content: "a b c @@midstream:ThrottlingException" }],
      }),
    );
    const events = parseSse(await response.text());
    expect(events[0]?.event).toBe("message_start");
    expect(events.at(-1)).toEqual({
      event: "error",
      data: { type: "error", error: { type: "rate_limit_error", message: expect.any(String) } },
    });
    expect(events.some((event) => event.event === "message_stop")).toBe(false);
  });

  it("answers 529 overloaded_error when the Bedrock model list cannot be read", async () => {
    stack.emulator.failOperation("ListFoundationModels", "ServiceUnavailableException");
    const error = await failure(client.models.list());
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error.type).toBe("overloaded_error");
  });
});

describe("model names", () => {
  it("answers an unknown Claude name with not_found_error, without calling a model", async () => {
    const error = await failure(
      client.messages.create({
        model: "claude-imaginary-9",
        max_tokens: 5,
        messages: [{ role: "user", content: "x" }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.type).toBe("not_found_error");
    expect(error.message).toContain("claude-imaginary-9");
    // At most the model listing was asked (a name the table lacks is looked up in Bedrock's catalogue).
    expect(stack.emulator.requests.filter((request) => !request.operation.startsWith("List"))).toEqual([]);
  });

  it("answers a model Bedrock does not know with not_found_error", async () => {
    const error = await failure(
      client.messages.create({
        model: "vendor.nothing-v9",
        max_tokens: 5,
        messages: [{ role: "user", content: "x" }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(lastCall(stack.emulator).modelId).toBe("vendor.nothing-v9");
  });
});

describe("bad input gets a 400 invalid_request_error naming the field", () => {
  const base = { model, max_tokens: 10, messages: [{ role: "user", content: "x" }] };
  it.each([
    [{ model, messages: base.messages }, "max_tokens"],
    [{ ...base, max_tokens: "ten" }, "max_tokens"],
    [{ ...base, max_tokens: 0 }, "max_tokens"],
    [{ ...base, model: 7 }, "model"],
    [{ ...base, messages: "hi" }, "messages"],
    [{ ...base, messages: [{ role: "robot", content: "x" }] }, "messages[0].role"],
    [
      { ...base, messages: [{ role: "user", content: [{ type: "hologram" }] }] },
      "messages[0].content[0].type",
    ],
    [{ ...base, messages: [{ role: "user", content: [{ type: "text" }] }] }, "messages[0].content[0].text"],
    [
      {
        ...base,
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "base64", media_type: "image/bmp", data: "AA==" } }],
          },
        ],
      },
      "messages[0].content[0].source.media_type",
    ],
    [{ ...base, temperature: "hot" }, "temperature"],
    [{ ...base, stop_sequences: "END" }, "stop_sequences"],
    [{ ...base, tools: [{ name: "t" }] }, "tools[0].input_schema"],
    [{ ...base, tool_choice: { type: "sometimes" } }, "tool_choice.type"],
    [{ ...base, thinking: { type: "enabled", budget_tokens: 100 } }, "thinking.budget_tokens"],
    [{ ...base, stream: "yes" }, "stream"],
  ])("%j → %s", async (body, field) => {
    const error = await failure(
      client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toContain(`'${field}'`);
  });

  it.each([
    ["{not json", 400],
    ["[]", 400],
    ["null", 400],
    ["", 400],
  ])("refuses the body %j", async (body, status) => {
    const response = await post("/v1/messages", body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as ErrorBody;
    expect(json).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: expect.any(String) },
    });
  });

  it("refuses a body over MAX_REQUEST_BODY_SIZE with 413 request_too_large", async () => {
    const error = await failure(
      client.messages.create({
        model,
        max_tokens: 5,
        messages: [{ role: "user", content: "x".repeat(2 * 1024 * 1024) }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.ContentTooLargeError);
    expect(error.type).toBe("request_too_large");
  });

  it("refuses a non-JSON content type with 415 in Anthropic's shape", async () => {
    const response = await post("/v1/messages", "hello", { "content-type": "text/plain" });
    expect(response.status).toBe(415);
    expect(((await response.json()) as ErrorBody).type).toBe("error");
  });

  it("answers unknown paths with 404 not_found_error and wrong methods with 405", async () => {
    const missing = await fetch(`${stack.gateway.url}/anthropic/v1/nothing`);
    expect(missing.status).toBe(404);
    expect((await missing.json()) as ErrorBody).toEqual({
      type: "error",
      error: { type: "not_found_error", message: expect.stringContaining("/anthropic/v1/nothing") },
    });
    const wrong = await fetch(`${stack.gateway.url}/anthropic/v1/messages`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect(((await wrong.json()) as ErrorBody).error.type).toBe("invalid_request_error");
  });

  it("never answers a 500 for bad input", async () => {
    const bodies = [
      "0",
      '"x"',
      "{}",
      '{"model":null,"messages":null,"max_tokens":null}',
      '{"model":"m","max_tokens":5,"messages":[null]}',
      '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[null]}]}',
      '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"!!"}}]}]}',
      '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"file","file_id":"f"}}]}]}',
      '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"http://169.254.169.254/"}}]}]}',
      '{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"redacted_thinking","data":""}]}]}',
    ];
    for (const body of bodies) {
      for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
        const response = await post(path, body);
        expect(response.status, `${path} ${body}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${path} ${body}`).toBeLessThan(500);
        expect(((await response.json()) as ErrorBody).type).toBe("error");
      }
    }
  });
});

describe("route prefixes", () => {
  it("keep each dialect's error shape when they share a parent path", async () => {
    const gateway = await startGateway(stack.emulator, {
      OPENAI_ROUTES_PREFIX: "/api/openai",
      ANTHROPIC_ROUTES_PREFIX: "/api",
    });
    try {
      const openAi = await fetch(`${gateway.url}/api/openai/v1/nothing`);
      expect(((await openAi.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
      const anthropic = await fetch(`${gateway.url}/api/v1/nothing`);
      expect((await anthropic.json()) as ErrorBody).toMatchObject({
        type: "error",
        error: { type: "not_found_error" },
      });
      const message = await fetch(`${gateway.url}/api/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(((await message.json()) as { content: unknown[] }).content).toEqual([
        { type: "text", text: "Echo: hi" },
      ]);
    } finally {
      await gateway.close();
    }
  });
});

describe("client disconnects", () => {
  it("abort the Bedrock call of a stalled request", async () => {
    const controller = new AbortController();
    const pending = client.messages
      .create(
        { model, max_tokens: 5, messages: [{ role: "user", content: "@@stall:5000" }] },
        { signal: controller.signal },
      )
      .catch(() => undefined);
    await waitFor(() => stack.emulator.requests.some((r) => r.operation === "Converse"));
    controller.abort();
    await pending;
    await waitFor(() => stack.emulator.aborts() > 0);
    expect(lastCall(stack.emulator).aborted).toBe(true);
  });

  it("abort the Bedrock stream when the client stops reading", async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 50,
      messages: [{ role: "user", content: "a b c d e f g h @@slow:300" }],
    });
    stream.on("text", () => stream.abort());
    await stream.done().catch(() => undefined);
    await waitFor(() => stack.emulator.aborts() > 0);
    expect(lastCall(stack.emulator).aborted).toBe(true);
  });
});
