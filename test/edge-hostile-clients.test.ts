import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorEnvironment, startStack } from "./helpers/gateway.js";
import { parseResponse, type RawResponse, rawExchange, rawRequest } from "./helpers/raw-http.js";
import { type MainProcess, startMain } from "./helpers/spawn.js";

/** Clients that send what a well-behaved SDK would not, or stop as SDKs do not; default limits throughout. */
let stack: Awaited<ReturnType<typeof startStack>>;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const MiB = 1024 * 1024;

/** An error answered before routing still carries the request id and the security headers. */
function expectEdgeHeaders(answer: RawResponse | undefined, dialect: "openai" | "anthropic") {
  expect(answer?.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  if (dialect === "anthropic") expect(answer?.headers["request-id"]).toBe(answer?.headers["x-request-id"]);
  expect(answer?.headers["x-content-type-options"]).toBe("nosniff");
  expect(answer?.headers["cache-control"]).toBe("no-store");
  expect(answer?.headers["content-type"]).toMatch(/^application\/json/);
}

function expectAnthropicError(answer: RawResponse | undefined, type: string) {
  expect(JSON.parse(answer?.body ?? "")).toEqual({
    type: "error",
    error: { type, message: expect.any(String) },
  });
}

describe("an oversized body", () => {
  // Over the default MAX_REQUEST_BODY_SIZE of 32 MiB, within what the gateway reads and discards.
  const body = Buffer.alloc(101 * MiB, "a");
  // In a process of its own, as in production: sharing the test's event loop hides the reset.
  let gateway: MainProcess;
  beforeAll(async () => {
    gateway = await startMain(emulatorEnvironment(stack.emulator));
  }, 60_000);
  afterAll(() => gateway?.stop());

  it("gets its 413 through fetch (undici, as the SDKs use)", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(answer.status).toBe(413);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
    }
  }, 60_000);

  it("gets its 413 through http.request, on the Anthropic route in its shape", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { status, text } = await new Promise<{ status: number | undefined; text: string }>(
        (resolve, reject) => {
          // Chunked: the gateway learns the body is too large only while reading it.
          const outgoing = httpRequest(`${gateway.url}/anthropic/v1/messages`, {
            method: "POST",
            headers: { "content-type": "application/json" },
          });
          outgoing.on("response", (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk) => {
              text += chunk;
            });
            response.on("end", () => resolve({ status: response.statusCode, text }));
          });
          outgoing.on("error", reject);
          outgoing.end(body);
        },
      );
      expect(status).toBe(413);
      expect(JSON.parse(text)).toMatchObject({ type: "error", error: { type: "request_too_large" } });
    }
  }, 60_000);

  it("is read and discarded only so far: a client that never stops sending is cut off", async () => {
    const { port } = new URL(gateway.url);
    const socket = connect({ host: "127.0.0.1", port: Number(port) });
    socket.on("error", () => undefined);
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
    });
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024 * MiB}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(MiB, "a");
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on("drain", pump);
    pump();
    // No timing is asserted: a generous bound that only proves the gateway does not read forever.
    const outcome = await Promise.race([
      closed.then(() => "closed"),
      new Promise((resolve) => setTimeout(() => resolve("still reading after 60 s"), 60_000)),
    ]);
    socket.destroy();
    expect(outcome).toBe("closed");
    expect(parseResponse(answer)?.status).toBe(413);
  }, 70_000);
});

describe("a malformed percent-escape in the path", () => {
  it.each([
    ["POST /anthropic/v1/messages%ff", "anthropic"],
    ["GET /v1/models%ff", "openai"],
  ] as const)("%s gets a 400 in the route's dialect", async (line, dialect) => {
    const answer = await rawRequest(
      stack.gateway.url,
      `${line} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(answer.status).toBe(400);
    expectEdgeHeaders(answer, dialect);
    if (dialect === "anthropic") expectAnthropicError(answer, "invalid_request_error");
    else
      expect(JSON.parse(answer.body).error).toMatchObject({ type: "invalid_request_error", code: "bad_url" });
  });
});

describe("an Expect header other than 100-continue", () => {
  it.each([
    ["/anthropic/v1/messages", "anthropic"],
    ["/v1/chat/completions", "openai"],
  ] as const)("on %s gets a 417 in the route's dialect", async (path, dialect) => {
    const answer = await rawRequest(
      stack.gateway.url,
      `POST ${path} HTTP/1.1\r\nHost: gw\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(answer.status).toBe(417);
    expectEdgeHeaders(answer, dialect);
    if (dialect === "anthropic") expectAnthropicError(answer, "invalid_request_error");
    else expect(JSON.parse(answer.body).error).toMatchObject({ code: "expectation_failed" });
  });
});

describe("errors before routing", () => {
  it.each([
    [
      "a request line longer than the header limit",
      `POST /anthropic/v1/messages?${"a".repeat(20_000)} HTTP/1.1\r\nHost: gw\r\n\r\n`,
      431,
    ],
    [
      "an absolute-form target",
      `POST http://gw/anthropic/v1/messages HTTP/1.1\r\nHost: gw\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
      431,
    ],
    [
      "malformed HTTP with an absolute-form target",
      "POST http://gw/anthropic/v1/messages HTTP/1.1\r\nHost gw\r\n\r\n",
      400,
    ],
  ])("answer %s under /anthropic in the Anthropic shape", async (_name, request, status) => {
    const { response } = await rawExchange(stack.gateway.url, request);
    expect(response?.status).toBe(status);
    expectEdgeHeaders(response, "anthropic");
    expect(JSON.parse(response?.body ?? "")).toMatchObject({ type: "error" });
  });
});

/** Sends a complete request and half-closes (FIN) at once, as `socket.end(request)` does; reads until closed. */
async function halfClosed(
  path: string,
  body: unknown,
): Promise<{ response: RawResponse | undefined; text: string }> {
  const { port } = new URL(stack.gateway.url);
  const json = JSON.stringify(body);
  const socket = connect({ host: "127.0.0.1", port: Number(port), allowHalfOpen: true });
  let text = "";
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.on("error", () => undefined);
  socket.end(
    `POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  socket.destroy();
  // Interim 102 Processing answers (the gateway's probes) come before the final one.
  return { response: parseResponse(text.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n)+/, "")), text };
}

describe("a client that half-closes after sending its request", () => {
  const chat = { model: "amazon.nova-lite-v1:0", messages: [{ role: "user", content: "Hello @@slow:50" }] };

  it("gets its chat completion", async () => {
    const { response, text } = await halfClosed("/v1/chat/completions", chat);
    expect(response?.status, text).toBe(200);
    expect(JSON.parse(response?.body ?? "").choices[0].message.content).toBe("Echo: Hello");
  });

  it("gets its streamed chat completion", async () => {
    const { text } = await halfClosed("/v1/chat/completions", { ...chat, stream: true });
    expect(text).toMatch(/^(HTTP\/1\.1 102 Processing\r\n\r\n)*HTTP\/1\.1 200 /);
    expect(text).toContain("data: [DONE]");
  });

  it("gets its Anthropic message", async () => {
    const { response, text } = await halfClosed("/anthropic/v1/messages", {
      model: "anthropic.claude-3-haiku-20240307-v1:0",
      max_tokens: 32,
      messages: [{ role: "user", content: "Hello @@slow:50" }],
    });
    expect(response?.status, text).toBe(200);
    expect(JSON.parse(response?.body ?? "").content[0].text).toBe("Echo: Hello");
  });
});
