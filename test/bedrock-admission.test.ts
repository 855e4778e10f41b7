import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { chat, errorTypeOf } from "./helpers/dialect-calls.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

let emulator: Emulator;
let gateway: RunningGateway;
beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  gateway = await startGateway(emulator, {
    BEDROCK_MAX_CONCURRENT_CALLS: "2",
    BEDROCK_QUEUE_LIMIT: "1",
    BEDROCK_QUEUE_TIMEOUT: "300ms",
  });
});
afterAll(async () => {
  await gateway.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

const inFlightAtEmulator = (count: number) => () =>
  emulator.requests.filter((r) => !r.endedAt).length === count;

describe("admission control in front of Bedrock", () => {
  it.each(["openai", "anthropic"] as const)(
    "%s: past the limit and the queue, calls are refused at once with retry-after; the queue waits a bounded time",
    async (dialect) => {
      // Two calls hold the two slots: one plain call, one stream (a stream holds its slot until it ends).
      const held = [
        chat(gateway.url, dialect, "held @@stall:1500"),
        chat(gateway.url, dialect, "one two three four @@slow:400", true),
      ];
      await waitFor(inFlightAtEmulator(2));
      const queued = chat(gateway.url, dialect, "queued");
      await waitFor(() => gateway.deps.bedrockCalls?.load().waiting === 1);

      // The queue is full: refused at once.
      const refused = await chat(gateway.url, dialect, "refused");
      expect(refused.status).toBe(dialect === "openai" ? 503 : 529);
      expect(errorTypeOf(dialect, refused.text)).toBe(
        dialect === "openai" ? "service_unavailable_error" : "overloaded_error",
      );
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);

      // The queued call waited its 300 ms, then was refused the same way; it never reached Bedrock.
      const waited = await queued;
      expect(waited.status).toBe(dialect === "openai" ? 503 : 529);
      expect(waited.text).toContain("no slot within 0.3 s");
      expect(waited.headers.get("retry-after")).not.toBeNull();
      expect(emulator.requests).toHaveLength(2);

      // /health does not queue behind Bedrock.
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);

      for (const answer of await Promise.all(held)) expect(answer.status).toBe(200);
      // Every slot came back: a new call goes straight through.
      expect(gateway.deps.bedrockCalls?.load()).toEqual({ running: 0, waiting: 0 });
      expect((await chat(gateway.url, dialect, "after")).status).toBe(200);
    },
  );

  it("a queued call gets the first slot that frees up", async () => {
    const held = [chat(gateway.url, "openai", "a @@stall:200"), chat(gateway.url, "openai", "b @@stall:200")];
    await waitFor(inFlightAtEmulator(2));
    const queued = await chat(gateway.url, "openai", "c");
    expect(queued.status).toBe(200);
    await Promise.all(held);
  });

  it("a client that leaves the queue frees its place", async () => {
    const held = [chat(gateway.url, "openai", "a @@stall:800"), chat(gateway.url, "openai", "b @@stall:800")];
    await waitFor(inFlightAtEmulator(2));
    const leaving = new AbortController();
    const left = fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "amazon.nova-lite-v1:0", messages: [{ role: "user", content: "x" }] }),
      signal: leaving.signal,
    }).catch(() => undefined);
    await waitFor(() => gateway.deps.bedrockCalls?.load().waiting === 1);
    leaving.abort();
    await left;
    await waitFor(() => gateway.deps.bedrockCalls?.load().waiting === 0);
    await Promise.all(held);
  });
});
