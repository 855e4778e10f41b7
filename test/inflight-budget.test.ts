import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat, chatRequest, type DialectName, errorTypeOf } from "./helpers/dialect-calls.js";
import { startStack } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

let stack: Awaited<ReturnType<typeof startStack>>;
beforeAll(async () => {
  stack = await startStack({ MAX_INFLIGHT_REQUEST_BYTES: "300KB" });
});
afterAll(() => stack.close());

/** About 100 kB of prompt. */
const bulky = (directive = "") => `${"lorem ".repeat(16_000)}${directive}`;

/** Sends a body without Content-Length (chunked), in pieces. */
function chunked(
  dialect: DialectName,
  text: string,
): Promise<{ status: number; body: string; retryAfter?: string }> {
  const { path, body } = chatRequest(dialect, text, false);
  const json = Buffer.from(JSON.stringify(body));
  const { hostname, port } = new URL(stack.gateway.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, path, method: "POST", headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            ...(res.headers["retry-after"] ? { retryAfter: res.headers["retry-after"] } : {}),
          }),
        );
      },
    );
    req.on("error", reject);
    for (let at = 0; at < json.length; at += 16_384) req.write(json.subarray(at, at + 16_384));
    req.end();
  });
}

describe("MAX_INFLIGHT_REQUEST_BYTES", () => {
  it.each(["openai", "anthropic"] as const)(
    "%s: a body past the budget is refused with retry-after, from Content-Length or while it arrives",
    async (dialect) => {
      // Two bodies of ~100 kB held by calls Bedrock answers slowly: ~200 kB of the 300 kB in flight.
      const held = [
        chat(stack.gateway.url, dialect, bulky("@@stall:1500")),
        chat(stack.gateway.url, dialect, bulky("@@stall:1500")),
      ];
      await waitFor(() => stack.emulator.requests.filter((r) => !r.endedAt).length === 2);

      const overloadedStatus = dialect === "openai" ? 503 : 529;
      const overloadedType = dialect === "openai" ? "service_unavailable_error" : "overloaded_error";
      const declared = await chat(stack.gateway.url, dialect, `${bulky()}${bulky()}`);
      expect(declared.status).toBe(overloadedStatus);
      expect(errorTypeOf(dialect, declared.text)).toBe(overloadedType);
      expect(declared.text).toContain("MAX_INFLIGHT_REQUEST_BYTES");
      expect(Number(declared.headers.get("retry-after"))).toBeGreaterThan(0);

      const streamed = await chunked(dialect, `${bulky()}${bulky()}`);
      expect(streamed.status).toBe(overloadedStatus);
      expect(errorTypeOf(dialect, streamed.body)).toBe(overloadedType);
      expect(streamed.retryAfter).toBeDefined();

      // Small requests still fit.
      expect((await chat(stack.gateway.url, dialect, "small")).status).toBe(200);

      for (const answer of await Promise.all(held)) expect(answer.status).toBe(200);
      // The budget came back: the large requests now go through, both ways.
      expect((await chat(stack.gateway.url, dialect, `${bulky()}${bulky()}`)).status).toBe(200);
      expect((await chunked(dialect, `${bulky()}${bulky()}`)).status).toBe(200);
      stack.emulator.reset();
    },
  );

  it("a body larger than the whole budget can never fit: 413, not a retry", async () => {
    const answer = await chat(stack.gateway.url, "openai", `${bulky()}${bulky()}${bulky()}${bulky()}`);
    expect(answer.status).toBe(413);
  });
});
