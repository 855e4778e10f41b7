/**
 * RSS of the gateway per MB of request body in flight: N concurrent chats of ~1 MB each, held by an emulator
 * stall so they are all in memory at once; the gateway's RSS is sampled from /proc. Runs the sources
 * (src/main.ts through tsx) with MAX_INFLIGHT_REQUEST_BYTES out of the way, so the budget is not measured.
 *   npx tsx bench/inflight-rss.ts            (INFLIGHT_N=200, INFLIGHT_MB=1)
 * INFLIGHT_ROUTE=responses|messages|embeddings holds the same prompt on another route (default chat);
 * INFLIGHT_TRANSPORT=sdk measures the stock SDK transport (default lean).
 * Where the bytes live: INFLIGHT_PROBE=1 also prints the gateway's process.memoryUsage() once every request
 * is held, as it is and after a full collection (bench/memory-probe.ts); INFLIGHT_PROBE=snapshot also writes
 * a heap snapshot (taken after that collection) to the temp directory. Both hold the calls longer (20 s),
 * so the numbers are taken while every request waits on Bedrock.
 */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../src/emulator/server.js";
import { rssMiB, startNode } from "./processes.js";
import { gatewayLaunch } from "./signed.js";

const count = Number(process.env.INFLIGHT_N ?? 200);
const megabytes = Number(process.env.INFLIGHT_MB ?? 1);
const probe = process.env.INFLIGHT_PROBE;

/** Per route: its path and a request carrying `prompt` as the one text of one Bedrock call. */
const routes: Record<string, { path: string; body(prompt: string): object }> = {
  chat: {
    path: "/v1/chat/completions",
    body: (prompt) => ({ model: "amazon.nova-lite-v1:0", messages: [{ role: "user", content: prompt }] }),
  },
  responses: {
    path: "/v1/responses",
    body: (prompt) => ({ model: "amazon.nova-lite-v1:0", input: prompt }),
  },
  messages: {
    path: "/anthropic/v1/messages",
    body: (prompt) => ({
      model: "claude-haiku-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: prompt }],
    }),
  },
  // Cohere Embed v4 takes a text of any length in one call.
  embeddings: {
    path: "/v1/embeddings",
    body: (prompt) => ({ model: "cohere.embed-v4:0", input: prompt }),
  },
};
const routeName = process.env.INFLIGHT_ROUTE ?? "chat";
const route = routes[routeName];
if (!route) throw new Error(`INFLIGHT_ROUTE: one of ${Object.keys(routes).join(", ")}`);

const port = 18_000 + (process.pid % 2_000);
const stallMs = probe ? 20_000 : 3_000;
const probeFile = join(tmpdir(), `aegis-inflight-probe-${process.pid}.json`);
const snapshotFile = join(tmpdir(), `aegis-inflight-${count}x${megabytes}MB-${process.pid}.heapsnapshot`);
const warmups = 5;

// The probe counts arrivals from the emulator's records, so it keeps them all.
const emulator = await startEmulator({ host: "127.0.0.1", port: 0, keepRequests: probe ? count + 10 : 10 });
const launch = gatewayLaunch(process.env.INFLIGHT_TRANSPORT ?? "lean", port, emulator.url);
const gateway = await startNode(
  "src/main.ts",
  {
    ...launch.env,
    LOG_LEVEL: "warn",
    MAX_INFLIGHT_REQUEST_BYTES: "4GiB",
    ...(probe ? { MEMORY_PROBE_FILE: probeFile } : {}),
    ...(probe === "snapshot" ? { MEMORY_PROBE_SNAPSHOT: snapshotFile } : {}),
  },
  `http://127.0.0.1:${port}/health`,
  undefined,
  [
    "--import",
    "tsx",
    ...launch.nodeArgs,
    ...(probe ? ["--expose-gc", "--import", "./bench/memory-probe.ts"] : []),
  ],
);

/** The gateway's memory, as it is and retained (bench/memory-probe.ts). */
async function readProbe(): Promise<unknown> {
  rmSync(probeFile, { force: true });
  process.kill(gateway.pid, "SIGUSR2");
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      return JSON.parse(readFileSync(probeFile, "utf8"));
    } catch {
      // not written yet
    }
  }
}
try {
  const text = "lorem ".repeat(Math.round((megabytes * 1e6) / 6));
  const body = (stall: number) => JSON.stringify(route.body(`${text} @@stall:${stall}`));
  const send = (stall: number) =>
    fetch(`http://127.0.0.1:${port}${route.path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body(stall),
    }).then((response) => response.arrayBuffer().then(() => response.status));
  // Warm up (JIT, pools), then let the heap settle.
  for (let i = 0; i < warmups; i++) await send(0);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const before = rssMiB(gateway.pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(gateway.pid));
  }, 20);
  const idle = probe ? await readProbe() : undefined;
  const held = Promise.all(Array.from({ length: count }, () => send(stallMs)));
  // Once every held request has reached the emulator, i.e. waits on Bedrock.
  while (probe && emulator.requests.length < warmups + count)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const memory = probe ? { idle, held: await readProbe() } : undefined;
  const statuses = await held;
  clearInterval(sampler);
  const ok = statuses.filter((status) => status === 200).length;
  const inFlightMB = (count * Buffer.byteLength(body(stallMs))) / 1e6;
  console.log(
    JSON.stringify({
      route: routeName,
      requests: count,
      ok,
      inFlightMB: Math.round(inFlightMB),
      rssBeforeMiB: Math.round(before),
      rssPeakMiB: Math.round(peak),
      rssPerMBInFlight: Math.round(((peak - before) / inFlightMB) * 100) / 100,
      ...(memory ? { gatewayMemoryMiB: memory } : {}),
      ...(probe === "snapshot" ? { heapSnapshot: snapshotFile } : {}),
    }),
  );
} finally {
  await gateway.stop();
  await emulator.close();
  rmSync(probeFile, { force: true });
}
