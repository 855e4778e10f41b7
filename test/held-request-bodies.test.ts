import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { emulatorEnvironment } from "./helpers/gateway.js";
import { type MainProcess, startMain } from "./helpers/spawn.js";

/**
 * What a large request costs the gateway while its call waits on Bedrock: the parsed prompt, once. A copy
 * kept for the length of the call (the serialised Bedrock body, the Buffer undici made of it: three copies in
 * all before they were released once written) shows here as retained memory after a full collection,
 * measured in the gateway process (bench/memory-probe.ts, --expose-gc) with the emulator in this one.
 */
const requests = 6;
const promptBytes = 4_000_000;

const routes = [
  {
    name: "chat",
    path: "/v1/chat/completions",
    body: (prompt: string) => ({
      model: "amazon.nova-lite-v1:0",
      messages: [{ role: "user", content: prompt }],
    }),
  },
  {
    name: "responses",
    path: "/v1/responses",
    body: (prompt: string) => ({ model: "amazon.nova-lite-v1:0", input: prompt }),
  },
  {
    name: "anthropic messages",
    path: "/anthropic/v1/messages",
    body: (prompt: string) => ({
      model: "claude-haiku-4-5",
      max_tokens: 16,
      messages: [{ role: "user", content: prompt }],
    }),
  },
];

interface Usage {
  heapUsed: number;
  arrayBuffers: number;
}

const probeFile = join(tmpdir(), `aegis-held-bodies-${process.pid}.json`);
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await emulator?.close();
  rmSync(probeFile, { force: true });
});

const total = (usage: Usage) => usage.heapUsed + usage.arrayBuffers;

/** The gateway's memory after a full collection, in MiB. */
async function retained(gateway: MainProcess): Promise<Usage> {
  rmSync(probeFile, { force: true });
  gateway.process.kill("SIGUSR2");
  for (let waited = 0; waited < 20_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      return (JSON.parse(readFileSync(probeFile, "utf8")) as { retained: Usage }).retained;
    } catch {
      // not written yet
    }
  }
  throw new Error("the gateway did not answer the memory probe");
}

describe("a large request waiting on Bedrock (lean transport)", () => {
  it.each(routes)(
    "$name: the gateway holds its prompt once, not serialised copies of it, and lets go when the client leaves",
    async (route) => {
      // A gateway of its own: one that has just had large requests may hold them a while after they end.
      const gateway = await startMain(
        { ...emulatorEnvironment(emulator), BEDROCK_TRANSPORT: "lean", MEMORY_PROBE_FILE: probeFile },
        ["--expose-gc", "--import", "tsx", "--import", "./bench/memory-probe.ts"],
      );
      try {
        await holdsPromptOnce(gateway, route);
      } finally {
        await gateway.stop();
      }
    },
    90_000,
  );
});

async function holdsPromptOnce(gateway: MainProcess, route: (typeof routes)[number]): Promise<void> {
  const prompt = `${"lorem ".repeat(promptBytes / 6)} @@stall:60000`;
  // Warm: the first request of a route compiles and allocates what every later one reuses.
  const warm = await fetch(`${gateway.url}${route.path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(route.body("hello")),
  });
  expect(warm.status).toBe(200);
  await warm.arrayBuffer();

  const before = await retained(gateway);
  const promptsMiB = (requests * promptBytes) / 2 ** 20;
  emulator.reset();
  const aborter = new AbortController();
  const held = Array.from({ length: requests }, () =>
    fetch(`${gateway.url}${route.path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(route.body(prompt)),
      signal: aborter.signal,
    }).catch(() => undefined),
  );
  let during: Usage;
  try {
    // Every request has reached Bedrock (the emulator), where it stalls: all are in the gateway now.
    while (emulator.requests.length < requests) await new Promise((resolve) => setTimeout(resolve, 20));
    // The least of a few probes: a write still completing (a busy machine) holds its bytes a moment longer,
    // a copy kept for the call holds them for the whole stall.
    during = await retained(gateway);
    for (let probe = 0; probe < 4; probe++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const next = await retained(gateway);
      if (total(next) < total(during)) during = next;
    }
  } finally {
    aborter.abort();
    await Promise.all(held);
  }
  const heldMiB = total(during) - total(before);
  // The prompts are there (once each) ...
  expect(heldMiB).toBeGreaterThan(0.8 * promptsMiB);
  // ... and no second copy of them: with the serialised body and its Buffer retained this is about 3.
  expect(heldMiB / promptsMiB, JSON.stringify({ before, during })).toBeLessThan(1.6);

  // The clients have gone: their calls to Bedrock are cancelled, and nothing keeps their prompts. Polled
  // (the gateway learns of each disconnect as its socket closes), bounded well below the 60 s stall.
  let after = await retained(gateway);
  for (let waited = 0; waited < 10_000 && total(after) - total(before) > 0.2 * promptsMiB; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    after = await retained(gateway);
  }
  expect(total(after) - total(before), JSON.stringify({ before, after })).toBeLessThan(0.2 * promptsMiB);
  expect(emulator.aborts()).toBe(requests);
}
