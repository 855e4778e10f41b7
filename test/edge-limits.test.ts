import { connect, type Socket } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack } from "./helpers/gateway.js";
import { parseResponse, rawGet, rawRequest } from "./helpers/raw-http.js";
import { waitFor } from "./helpers/wait.js";

let stack: Awaited<ReturnType<typeof startStack>>;
let client: OpenAI;

beforeAll(async () => {
  // Short limits so that the slow-client cases finish in about a second.
  stack = await startStack({
    HTTP_HEADERS_TIMEOUT: "500ms",
    HTTP_REQUEST_TIMEOUT: "1s",
    HTTP_KEEP_ALIVE_TIMEOUT: "300ms",
    HTTP_MAX_HEADER_SIZE: "4KiB",
    MAX_REQUEST_BODY_SIZE: "1KiB",
  });
  client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => stack?.close());

function answered(text: string) {
  const response = parseResponse(text);
  if (response === undefined) throw new Error(`no complete answer: ${JSON.stringify(text.slice(0, 300))}`);
  return response;
}

function open(): Promise<Socket> {
  const { port } = new URL(stack.gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * Writes `head`, then one byte of `drip` every 100 ms, until the server closes the connection.
 * Resolves with what the server answered and how many drip bytes it took.
 */
async function slowClient(head: string, drip: string): Promise<{ answer: string; dripped: number }> {
  const socket = await open();
  socket.setEncoding("latin1");
  let answer = "";
  socket.on("data", (chunk) => {
    answer += chunk;
  });
  socket.write(head);
  let dripped = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) return;
    socket.write(drip[dripped % drip.length] ?? "a");
    dripped++;
  }, 100);
  await new Promise((resolve) => socket.once("close", resolve));
  clearInterval(timer);
  return { answer, dripped };
}

describe("slow clients", () => {
  it("cuts a client sending headers a byte at a time at the header timeout, while serving others", async () => {
    const slow = slowClient("GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Slow: ", "abcdefghij");
    const served: number[] = [];
    let slowDone = false;
    slow.then(() => {
      slowDone = true;
    });
    while (!slowDone) {
      const models = await client.models.list();
      served.push(models.data.length);
    }
    const { answer, dripped } = await slow;
    expect(dripped).toBeGreaterThan(0);
    const parsed = answered(answer);
    expect(parsed.status).toBe(408);
    expect(parsed.headers["content-type"]).toMatch(/^application\/json/);
    expect(parsed.headers.connection).toBe("close");
    expect(JSON.parse(parsed.body).error).toMatchObject({ type: "timeout_error", code: "request_timeout" });
    expect(served.length).toBeGreaterThan(1);
    expect(served.every((count) => count > 0)).toBe(true);
    const id = parsed.headers["x-request-id"];
    await waitFor(() =>
      stack.gateway.logs.some((line) => line.includes(`"reqId":"${id}"`) && line.includes('"status":408')),
    );
  });

  it("cuts a client sending its body a byte at a time at the request timeout", async () => {
    const head = [
      "POST /v1/chat/completions HTTP/1.1",
      "Host: gw",
      "Content-Type: application/json",
      "Content-Length: 900",
      "",
      "",
    ].join("\r\n");
    const { answer, dripped } = await slowClient(head, " ");
    expect(dripped).toBeGreaterThan(3);
    const parsed = answered(answer);
    expect(parsed.status).toBe(408);
    expect(JSON.parse(parsed.body).error.code).toBe("request_timeout");
  });

  it("does not cut an answer that streams for longer than the request timeout", async () => {
    const stream = await client.chat.completions.create({
      model: "amazon.nova-lite-v1:0",
      messages: [
        { role: "user", content: "@@slow:150 @@deltas:10 a long answer outlives HTTP_REQUEST_TIMEOUT" },
      ],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: a long answer outlives HTTP_REQUEST_TIMEOUT");
  });

  it("closes idle keep-alive connections after HTTP_KEEP_ALIVE_TIMEOUT", async () => {
    const socket = await open();
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.write("GET /health HTTP/1.1\r\nHost: gw\r\n\r\n");
    await new Promise((resolve) => socket.once("close", resolve));
    expect(answered(answer).status).toBe(200);
  });
});

describe("size limits", () => {
  it("answers oversized headers with 431 in JSON", async () => {
    const answer = await rawGet(stack.gateway.url, "/v1/models", ["Host: gw", `X-Big: ${"a".repeat(5000)}`]);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: "headers_too_large" });
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("answers oversized headers on an Anthropic route in the Anthropic shape", async () => {
    const answer = await rawGet(stack.gateway.url, "/anthropic/v1/messages", [
      "Host: gw",
      `X-Big: ${"a".repeat(5000)}`,
    ]);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({
      type: "error",
      error: { type: "request_too_large", message: expect.any(String) },
    });
    expect(answer.headers["request-id"]).toBe(answer.headers["x-request-id"]);
  });

  it("answers an oversized body with 413 in JSON", async () => {
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(2000) }] });
    const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const answer = await rawRequest(stack.gateway.url, request);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: "request_too_large" });
  });

  it("answers malformed HTTP with 400 in JSON", async () => {
    const answer = await rawRequest(stack.gateway.url, "GET /v1/models HTTP/1.1\r\nHost gw\r\n\r\n");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatchObject({
      type: "invalid_request_error",
      code: "bad_request",
    });
  });
});

describe("response headers", () => {
  it("sends nosniff, no-store and a request id, and no X-Powered-By, Server or HSTS over plain HTTP", async () => {
    const { response } = await client.models.list().withResponse();
    const refused = await rawGet(stack.gateway.url, "/v1/nope", ["Host: gw"]);
    for (const headers of [Object.fromEntries(response.headers), refused.headers]) {
      expect(headers["x-content-type-options"]).toBe("nosniff");
      expect(headers["cache-control"]).toBe("no-store");
      expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(headers["x-powered-by"]).toBeUndefined();
      expect(headers.server).toBeUndefined();
      expect(headers["strict-transport-security"]).toBeUndefined();
    }
    const id = response.headers.get("x-request-id");
    await waitFor(() =>
      stack.gateway.logs.some((line) => line.includes(`"reqId":"${id}"`) && line.includes('"msg":"request"')),
    );
  });
});
