import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeps } from "../src/deps.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { chat, errorTypeOf, streamErrorOf } from "./helpers/dialect-calls.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { createTestNamespace, namespaceUnavailable, type TestNamespace } from "./helpers/netns.js";
import { waitFor } from "./helpers/wait.js";

/** The time Bedrock may stay silent here; the emulator stalls far longer. */
const silence = { AI_RESPONSE_TIMEOUT: "400ms" };
/** A generous bound proving "no hang", not a timing assertion. */
const noHangMs = 5_000;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe.each(["lean", "sdk"])("AI_RESPONSE_TIMEOUT on the %s transport", (transport) => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startGateway(emulator, { ...silence, BEDROCK_TRANSPORT: transport });
  });
  afterAll(() => gateway.close());

  it.each(["openai", "anthropic"] as const)(
    "%s: Bedrock silent before the first byte → 504 in the dialect, upstream call aborted",
    async (dialect) => {
      for (const stream of [false, true]) {
        const started = Date.now();
        const answer = await chat(gateway.url, dialect, "hello @@stall:60000", stream);
        expect(Date.now() - started).toBeLessThan(noHangMs);
        expect(answer.status).toBe(504);
        expect(errorTypeOf(dialect, answer.text)).toBe("timeout_error");
        expect(answer.text).toContain("AI_RESPONSE_TIMEOUT");
      }
      await waitFor(() => emulator.requests.length === 2 && emulator.requests.every((r) => r.aborted));
    },
  );

  it.each(["openai", "anthropic"] as const)(
    "%s: Bedrock silent mid-stream → the stream ends with a timeout error event, upstream aborted",
    async (dialect) => {
      const started = Date.now();
      // The first event arrives at once, the next one only after a minute.
      const answer = await chat(gateway.url, dialect, "one two three @@slow:60000", true);
      expect(Date.now() - started).toBeLessThan(noHangMs);
      expect(answer.status).toBe(200);
      expect(streamErrorOf(dialect, answer.text)?.type).toBe("timeout_error");
      await waitFor(() => emulator.requests[0]?.aborted === true);
    },
  );

  it("a stream that keeps talking is not cut, however long it lasts in total", async () => {
    // Eight events 200 ms apart: 1.6 s in all, four times the allowed silence.
    const answer = await chat(gateway.url, "openai", "a b c d e @@slow:200", true);
    expect(answer.text).toContain("data: [DONE]");
    expect(streamErrorOf("openai", answer.text)).toBeUndefined();
  });
});

const unavailable = namespaceUnavailable();
describe.skipIf(unavailable !== undefined)("BEDROCK_CONNECT_TIMEOUT", () => {
  let ns: TestNamespace;
  beforeAll(() => {
    ns = createTestNamespace();
  });
  afterAll(() => ns?.remove());

  it.each(["lean", "sdk"])(
    "%s: a Bedrock endpoint that never answers the handshake → 503 in bounded time",
    async (transport) => {
      // An address of the test namespace's subnet that nobody holds: SYNs go out and nothing comes back.
      const gateway = await startGateway(
        emulator,
        { BEDROCK_CONNECT_TIMEOUT: "300ms", BEDROCK_TRANSPORT: transport },
        (config, keyVerifier) => {
          process.env.AWS_ENDPOINT_URL = `http://${ns.unusedAddress}:4010`;
          return createDeps(config, keyVerifier);
        },
      );
      try {
        for (const dialect of ["openai", "anthropic"] as const) {
          const started = Date.now();
          const answer = await chat(gateway.url, dialect, "hello");
          expect(Date.now() - started).toBeLessThan(noHangMs);
          expect(answer.status).toBe(dialect === "openai" ? 503 : 529);
          expect(answer.text).toContain("could not be reached");
        }
      } finally {
        await gateway.close();
      }
    },
  );
});
