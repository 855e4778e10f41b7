import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway, startStack } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

/** What the log says when a request fails: the cause of a 5xx, and a client that left is no failure. */
interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  reason?: string;
  err?: { stack?: string };
}
const linesOf = (gateway: RunningGateway): LogLine[] => gateway.logs.map((line) => JSON.parse(line));

describe("a 5xx", () => {
  // An upstream that answers every call with 200 and a body that is not JSON: the gateway fails inside.
  let upstream: Server;
  let gateway: RunningGateway;
  beforeAll(async () => {
    upstream = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end("this is not json");
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const address = upstream.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    gateway = await startGateway({ url: `http://127.0.0.1:${address.port}` } as Emulator, {
      BEDROCK_MAX_ATTEMPTS: "1",
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it("is logged at error level with the stack of its cause, under the request id", async () => {
    const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "amazon.nova-lite-v1:0", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(answer.status).toBeGreaterThanOrEqual(500);
    const id = answer.headers.get("x-request-id");
    await waitFor(() => linesOf(gateway).some((line) => line.reqId === id && line.level === 50));
    const line = linesOf(gateway).find((entry) => entry.reqId === id && entry.level === 50);
    // The gateway's own error, then what caused it, with where it was thrown.
    expect(line?.err?.stack).toMatch(/caused by: \w*Error: .*\n\s+at /);
  });
});

describe("a client that goes away", () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it("is logged at info with the reason, not as a failure", async () => {
    const controller = new AbortController();
    const before = stack.emulator.requests.length;
    const answer = fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "amazon.nova-lite-v1:0",
        messages: [{ role: "user", content: "Hello @@stall:3000" }],
      }),
      signal: controller.signal,
    }).catch(() => undefined);
    await waitFor(() => stack.emulator.requests.length > before);
    controller.abort();
    await answer;
    const disconnected = () => linesOf(stack.gateway).find((line) => line.msg === "client disconnected");
    await waitFor(() => disconnected() !== undefined);
    const line = disconnected();
    expect(line?.level).toBe(30);
    expect(line?.reason).toEqual(expect.any(String));
    expect(
      linesOf(stack.gateway).filter((entry) => entry.reqId === line?.reqId && entry.level >= 50),
    ).toEqual([]);
  });
});
