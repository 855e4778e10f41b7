import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStack } from "./helpers/gateway.js";
import { RawConnection, rawExchange } from "./helpers/raw-http.js";

// A long random key, as a deployment would use; every test below also checks it never reaches a log.
const key = randomBytes(48).toString("base64url");
const model = "amazon.nova-lite-v1:0";
let stack: Awaited<ReturnType<typeof startStack>>;
let url: string;

beforeAll(async () => {
  stack = await startStack({ API_KEY: key, LOG_LEVEL: "trace" });
  url = stack.gateway.url;
});
afterAll(async () => {
  await stack.close();
  const leaked = stack.gateway.logs.filter((line) => line.includes(key));
  expect(leaked, "log lines containing the key").toEqual([]);
});
beforeEach(() => stack.emulator.reset());

const openai = (apiKey: string, defaultHeaders: Record<string, string | null> = {}) =>
  new OpenAI({ baseURL: `${url}/v1`, apiKey, defaultHeaders, maxRetries: 0 });

const chat = (client: OpenAI) =>
  client.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] });

const bedrockCalls = () =>
  stack.emulator.requests.filter((request) => request.operation.startsWith("Converse"));

async function refusal(client: OpenAI) {
  const error = await chat(client).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  const apiError = error as InstanceType<typeof OpenAI.AuthenticationError>;
  expect(apiError.status).toBe(401);
  expect(apiError.headers.get("www-authenticate")).toBe("Bearer");
  expect(apiError.error).toEqual({
    message: expect.any(String),
    type: "invalid_request_error",
    param: null,
    code: "invalid_api_key",
  });
  expect(apiError.message).not.toContain(key);
  expect(bedrockCalls()).toEqual([]);
  return apiError;
}

/** A GET of the model list with the given raw header lines, on its own connection. */
const rawGet = (headerLines: string[], path = "/v1/models") =>
  rawExchange(url, [`GET ${path} HTTP/1.1`, "Host: aegis.test", ...headerLines, "", ""].join("\r\n"));

describe("API key accepted", () => {
  it("as Authorization: Bearer, from the official OpenAI client", async () => {
    const answer = await chat(openai(key));
    expect(answer.choices[0]?.message.content).toBe("Echo: hello");
  });

  it("streaming too", async () => {
    const stream = await openai(key).chat.completions.create({
      model,
      messages: [{ role: "user", content: "one two" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: one two");
  });

  it("as X-API-Key, which decides over a wrong Authorization header", async () => {
    const answer = await chat(openai("not-the-key", { "X-API-Key": key }));
    expect(answer.choices[0]?.message.content).toBe("Echo: hello");
  });

  it.each([
    ["lowercase bearer", `authorization: bearer ${key}`],
    ["uppercase BEARER", `Authorization: BEARER ${key}`],
    ["several spaces after the scheme", `Authorization: Bearer   ${key}`],
    // RFC 9110 §5.5: whitespace around a field value is not part of it.
    ["trailing spaces and tabs around the header value", `X-API-Key: \t${key} \t `],
    ["trailing whitespace after the Bearer key", `Authorization: Bearer ${key}  `],
  ])("with %s", async (_, header) => {
    const { response } = await rawGet([header, "Connection: close"]);
    expect(response?.status).toBe(200);
    expect(JSON.parse(response?.body ?? "{}").object).toBe("list");
  });
});

describe("API key refused with 401 in OpenAI's shape", () => {
  it("when missing", async () => {
    const error = await refusal(openai("unused", { Authorization: null }));
    expect(error.message).toMatch(/Missing API key/);
  });

  it("when wrong", async () => {
    const error = await refusal(openai(randomBytes(48).toString("base64url")));
    expect(error.message).toMatch(/Invalid API key/);
  });

  it("when wrong in its last character only (same length)", async () => {
    const last = key.at(-1) === "A" ? "B" : "A";
    await refusal(openai(`${key.slice(0, -1)}${last}`));
  });

  it("when it is a prefix or an extension of the key", async () => {
    await refusal(openai(key.slice(0, -1)));
    await refusal(openai(`${key}x`));
  });

  it("when X-API-Key is wrong, even with a right Authorization header", async () => {
    await refusal(openai(key, { "X-API-Key": "wrong" }));
  });

  it("when X-API-Key is empty", async () => {
    const error = await refusal(openai(key, { "X-API-Key": "" }));
    expect(error.message).toMatch(/Empty API key/);
  });

  it("when the Bearer value is empty", async () => {
    await refusal(openai("unused", { Authorization: "Bearer " }));
  });

  it.each([
    ["another scheme", `Authorization: Basic ${key}`],
    ["the key without a scheme", `Authorization: ${key}`],
    ["a tab instead of a space after Bearer", `Authorization: Bearer\t${key}`],
    ["non-ASCII bytes before the key", `X-API-Key: \u00c3\u00a9${key}`],
    ["non-ASCII bytes after the key", `Authorization: Bearer ${key}\u00ff\u00a0`],
    ["an 8 KiB value", `X-API-Key: ${"k".repeat(8192)}`],
    ["a key in the query string only", ""],
  ])("for %s", async (name, header) => {
    const path = name.includes("query") ? `/v1/models?api_key=${key}&key=${key}` : "/v1/models";
    const { response, closed } = await rawGet(header ? [header] : [], path);
    expect(response?.status).toBe(401);
    expect(response?.headers["www-authenticate"]).toBe("Bearer");
    const body = JSON.parse(response?.body ?? "{}");
    expect(body.error).toMatchObject({ type: "invalid_request_error", param: null, code: "invalid_api_key" });
    expect(response?.body).not.toContain(key);
    expect(closed).toBe(true);
  });

  it("for a key in a JSON body", async () => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, api_key: key, messages: [{ role: "user", content: "x" }] }),
    });
    expect(response.status).toBe(401);
    expect(bedrockCalls()).toEqual([]);
  });

  it("for a 16 KiB header value, which the HTTP layer refuses (431) without reaching the gateway", async () => {
    const { response } = await rawGet([`X-API-Key: ${"k".repeat(16 * 1024)}`]);
    expect(response?.status).toBe(431);
    const again = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
  });

  it("for a key followed by a bare newline, which the HTTP parser refuses (400)", async () => {
    const { response } = await rawGet([`Authorization: Bearer ${key}\n`]);
    expect(response?.status).toBe(400);
  });
});

describe("ambiguous credentials", () => {
  it.each([
    ["Authorization", [`Authorization: Bearer ${key}`, "authorization: Bearer other"]],
    ["X-API-Key", [`X-API-Key: ${key}`, `x-api-key: ${key}`]],
  ])("a repeated %s header gets 400", async (header, lines) => {
    const { response } = await rawGet(lines);
    expect(response?.status).toBe(400);
    const body = JSON.parse(response?.body ?? "{}");
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "ambiguous_credentials" });
    expect(body.error.message).toContain(header);
    expect(response?.body).not.toContain(key);
  });
});

describe("what is public", () => {
  it("GET and HEAD /health need no key", async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/health`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${url}/health?probe=1`)).status).toBe(200);
  });

  it("other methods on /health and look-alike paths do", async () => {
    expect((await fetch(`${url}/health`, { method: "POST" })).status).toBe(401);
    expect((await rawGet([], "//health")).response?.status).toBe(401);
    expect((await rawGet([], "/health/")).response?.status).toBe(401);
    expect((await rawGet([], "/v1/../health")).response?.status).not.toBe(200);
  });

  it("a CORS preflight needs no key; an OPTIONS request that is not one does", async () => {
    const preflight = await fetch(`${url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).not.toBe(401);
    const plain = await fetch(`${url}/v1/chat/completions`, { method: "OPTIONS" });
    expect(plain.status).toBe(401);
  });

  it("unknown routes, including the Anthropic prefix, are refused before routing", async () => {
    expect((await fetch(`${url}/no/such/route`)).status).toBe(401);
    expect((await fetch(`${url}/anthropic/v1/messages`, { method: "POST" })).status).toBe(401);
    const known = await fetch(`${url}/no/such/route`, { headers: { "x-api-key": key } });
    expect(known.status).toBe(404);
  });
});

describe("an unauthenticated request is refused before its body is read", () => {
  const head = (extra: string[]) =>
    [
      "POST /v1/chat/completions HTTP/1.1",
      "Host: aegis.test",
      "Content-Type: application/json",
      `Content-Length: ${100 * 1024 * 1024}`,
      ...extra,
      "",
      "",
    ].join("\r\n");

  it("a 100 MB POST gets its 401 before a byte of the body is sent, and the connection is closed", async () => {
    const connection = await RawConnection.open(url);
    try {
      connection.write(head([]));
      await connection.waitFor((c) => c.response() !== undefined && c.closed);
      expect(connection.response()?.status).toBe(401);
      expect(connection.response()?.headers.connection).toBe("close");
      expect(bedrockCalls()).toEqual([]);
    } finally {
      connection.destroy();
    }
  });

  it("with Expect: 100-continue, the body is never invited", async () => {
    const connection = await RawConnection.open(url);
    try {
      connection.write(head(["Expect: 100-continue"]));
      await connection.waitFor((c) => c.response() !== undefined && c.closed);
      expect(connection.text).not.toContain("100 Continue");
      expect(connection.response()?.status).toBe(401);
    } finally {
      connection.destroy();
    }
  });

  it("with Expect: 100-continue and the key, the body is invited and answered", async () => {
    const body = JSON.stringify({ model, messages: [{ role: "user", content: "continued" }] });
    const connection = await RawConnection.open(url);
    try {
      connection.write(
        [
          "POST /v1/chat/completions HTTP/1.1",
          "Host: aegis.test",
          `Authorization: Bearer ${key}`,
          "Content-Type: application/json",
          `Content-Length: ${Buffer.byteLength(body)}`,
          "Expect: 100-continue",
          "Connection: close",
          "",
          "",
        ].join("\r\n"),
      );
      await connection.waitFor((c) => c.text.startsWith("HTTP/1.1 100 Continue\r\n\r\n"));
      connection.write(body);
      await connection.waitFor((c) => c.response() !== undefined);
      expect(connection.response()?.status).toBe(200);
      expect(JSON.parse(connection.response()?.body ?? "{}").choices[0].message.content).toBe(
        "Echo: continued",
      );
    } finally {
      connection.destroy();
    }
  });
});

describe("logs", () => {
  it("say why a request was refused, without the value", async () => {
    const wrong = randomBytes(48).toString("base64url");
    await rawGet([`Authorization: Bearer ${wrong}`]);
    await rawGet([]);
    const refusals = stack.gateway.logs.filter((line) => line.includes('"request refused"'));
    expect(refusals.some((line) => line.includes("Invalid API key"))).toBe(true);
    expect(refusals.some((line) => line.includes("Missing API key"))).toBe(true);
    expect(stack.gateway.logs.filter((line) => line.includes(wrong))).toEqual([]);
  });

  it("record a query string only as [redacted]", async () => {
    await rawGet([], `/v1/models?api_key=${key}`);
    const line = stack.gateway.logs.findLast((text) => text.includes('"msg":"request"'));
    expect(line).toContain('"url":"/v1/models?[redacted]"');
  });
});
