import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { chat, errorTypeOf, openLongStream, streamErrorOf } from "./helpers/dialect-calls.js";
import { emulatorEnvironment, type RunningGateway, startGateway } from "./helpers/gateway.js";
import { freeLoopbackPort } from "./helpers/redis-server.js";
import { startMain } from "./helpers/spawn.js";
import { waitFor } from "./helpers/wait.js";

// Each region has its own BEDROCK_MAX_CONCURRENT_CALLS and queue: a region whose calls hang fills only its
// own slots. (Each of these tests fails with one limit for all regions together, as before: the calls that
// region B serves here would wait behind region A's.)

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

let gateway: RunningGateway | undefined;
afterEach(async () => {
  // Let stalled calls go, so closing the gateway does not wait for them.
  emulator.reset();
  await gateway?.close();
  gateway = undefined;
});

const twoRegions = (limit: number, queue: number, queueTimeout: string) => ({
  AWS_BEDROCK_REGIONS: "us-east-1,us-west-2",
  BEDROCK_MAX_CONCURRENT_CALLS: String(limit),
  BEDROCK_QUEUE_LIMIT: String(queue),
  BEDROCK_QUEUE_TIMEOUT: queueTimeout,
});

const openIn = (region: string) =>
  emulator.requests.filter((r) => r.service === "bedrock-runtime" && r.region === region && !r.endedAt)
    .length;
const regionsCalled = () =>
  emulator.requests.filter((r) => r.service === "bedrock-runtime").map((r) => r.region);

/** A promise's outcome, readable at any time: tells whether a call is still held. */
function tracked<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.finally(() => {
    state.settled = true;
  });
  return state;
}

describe("admission per region", () => {
  it("a hanging region fills only its own slots: the next calls are served by the other region at once, and the hanging one does not rest", async () => {
    gateway = await startGateway(emulator, twoRegions(2, 1, "5s"));
    const url = gateway.url;
    emulator.stallRegion("us-east-1", 2_500);
    const held = [chat(url, "openai", "held one"), chat(url, "anthropic", "held two", true)].map(tracked);
    await waitFor(() => openIn("us-east-1") === 2);

    // us-east-1 is at its limit: every further call goes to us-west-2, without waiting in us-east-1's queue.
    for (const dialect of ["openai", "anthropic"] as const) {
      for (const stream of [false, true]) {
        const served = await chat(url, dialect, "served elsewhere", stream);
        expect(served.status).toBe(200);
      }
    }
    const concurrent = await Promise.all([chat(url, "openai", "x"), chat(url, "anthropic", "y")]);
    for (const answer of concurrent) expect(answer.status).toBe(200);
    expect(regionsCalled().slice(2)).toEqual(Array(6).fill("us-west-2"));
    expect(gateway.deps.bedrockCalls?.load().waiting).toBe(0);
    // All of that while us-east-1's calls still hang.
    expect(held.some((call) => call.settled)).toBe(false);
    expect(openIn("us-east-1")).toBe(2);

    for (const answer of await Promise.all(held.map((call) => call.promise))) expect(answer.status).toBe(200);
    // Being full is the gateway's own limit, not a sign of Bedrock's health: us-east-1 takes calls again.
    emulator.stallRegion("us-east-1", null);
    expect((await chat(url, "openai", "back")).status).toBe(200);
    expect(regionsCalled().at(-1)).toBe("us-east-1");
    expect(gateway.deps.bedrockCalls?.load()).toEqual({ running: 0, waiting: 0 });
  });

  it.each(["openai", "anthropic"] as const)(
    "%s: every region full, queues included: refused at once with retry-after; a waiting call is refused after its wait",
    async (dialect) => {
      const metricsPort = await freeLoopbackPort();
      gateway = await startGateway(emulator, {
        ...twoRegions(1, 1, "300ms"),
        METRICS_PORT: String(metricsPort),
      });
      const url = gateway.url;
      emulator.stallRegion("us-east-1", 1_500);
      emulator.stallRegion("us-west-2", 1_500);
      const held = [chat(url, dialect, "a"), chat(url, dialect, "b")];
      await waitFor(() => openIn("us-east-1") === 1 && openIn("us-west-2") === 1);

      // No free slot anywhere: calls wait, each with a place in the shortest queue.
      const queued = [chat(url, dialect, "queued one"), chat(url, dialect, "queued two")];
      await waitFor(() => gateway?.deps.bedrockCalls?.load().waiting === 2);
      // The operator sees it per region in the metrics (the public /health says nothing about load).
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const admission = metrics.split("\n").filter((line) => line.startsWith("aegis_bedrock_calls_"));
      expect(admission.sort()).toEqual([
        'aegis_bedrock_calls_running{region="us-east-1"} 1',
        'aegis_bedrock_calls_running{region="us-west-2"} 1',
        'aegis_bedrock_calls_waiting{region="us-east-1"} 1',
        'aegis_bedrock_calls_waiting{region="us-west-2"} 1',
      ]);
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });

      // Every queue is full: refused at once, in the dialect, with retry-after.
      const refused = await chat(url, dialect, "refused");
      expect(refused.status).toBe(dialect === "openai" ? 503 : 529);
      expect(errorTypeOf(dialect, refused.text)).toBe(
        dialect === "openai" ? "service_unavailable_error" : "overloaded_error",
      );
      expect(refused.text).toContain("already waiting in every region");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);

      for (const waited of await Promise.all(queued)) {
        expect(waited.status).toBe(dialect === "openai" ? 503 : 529);
        expect(waited.text).toContain("no slot within 0.3 s");
        expect(Number(waited.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      // Neither refused call reached Bedrock, nor put a region to rest.
      expect(regionsCalled()).toEqual(["us-east-1", "us-west-2"]);

      for (const answer of await Promise.all(held)) expect(answer.status).toBe(200);
      emulator.reset();
      expect((await chat(url, dialect, "after")).status).toBe(200);
      expect(regionsCalled()).toEqual(["us-east-1"]);
    },
  );

  it("a waiting call takes the first slot any region gives back", async () => {
    // us-east-1 hangs longer than the queue's wait; us-west-2 is busy only briefly.
    gateway = await startGateway(emulator, twoRegions(1, 1, "1500ms"));
    const url = gateway.url;
    emulator.stallRegion("us-east-1", 4_000);
    const hanging = tracked(chat(url, "openai", "hangs"));
    await waitFor(() => openIn("us-east-1") === 1);
    const brief = chat(url, "openai", "brief @@stall:300");
    await waitFor(() => openIn("us-west-2") === 1);

    const waiting = await chat(url, "anthropic", "waits");
    expect(waiting.status).toBe(200);
    expect(regionsCalled()).toEqual(["us-east-1", "us-west-2", "us-west-2"]);
    expect(hanging.settled).toBe(false);
    expect((await brief).status).toBe(200);
    expect((await hanging.promise).status).toBe(200);
  });
});

describe("the shutdown drain with several regions", () => {
  it("at the deadline, ends the calls open in every region and refuses the waiting ones", async () => {
    const main = await startMain({
      ...emulatorEnvironment(emulator),
      ...twoRegions(1, 1, "30s"),
      SHUTDOWN_DRAIN_TIMEOUT: "1s",
    });
    try {
      // One stream per region (the first fills us-east-1's only slot), and a call waiting for a slot.
      const streams = {
        openai: (await openLongStream(main.url, "openai")).rest,
        anthropic: (await openLongStream(main.url, "anthropic")).rest,
      };
      expect(regionsCalled()).toEqual(["us-east-1", "us-west-2"]);
      const waiting = chat(main.url, "openai", "waits");
      await new Promise((resolve) => setTimeout(resolve, 200));
      const exited = new Promise<number | null>((resolve) => main.process.once("exit", resolve));
      main.process.kill("SIGTERM");
      for (const dialect of ["openai", "anthropic"] as const) {
        const error = streamErrorOf(dialect, await streams[dialect]);
        expect(error?.type).toBe(dialect === "openai" ? "service_unavailable_error" : "overloaded_error");
        expect(error?.message).toContain("shutting down");
      }
      const refused = await waiting;
      expect(refused.status).toBe(503);
      expect(refused.text).toContain("shutting down");
      expect(await exited).toBe(0);
      expect(regionsCalled()).toHaveLength(2);
    } finally {
      await main.stop();
    }
  });
});
