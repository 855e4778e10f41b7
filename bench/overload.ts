/**
 * The overload cells. One region: twice the concurrency limit plus the queue in stalled Bedrock calls, per
 * dialect; shows that the refusals (503 / 529 with retry-after) arrive within the queue's wait timeout, and that
 * /health stays fast meanwhile. Two regions (AWS_BEDROCK_REGIONS): the primary hangs and gets the same burst;
 * shows that normal calls, served by the second region, stay fast meanwhile (p50/p99 beside a baseline without
 * the overload). Runs the sources (src/main.ts through tsx) against the emulator.
 *   npx tsx bench/overload.ts      (OVERLOAD_LIMIT=100, OVERLOAD_QUEUE=100, OVERLOAD_QUEUE_TIMEOUT=2s;
 *   OVERLOAD_MAIN=/path/to/other/src/main.ts runs the cells against another tree, for comparison)
 */
import { startEmulator } from "../src/emulator/server.js";
import { percentile, watchGateway } from "./gateway-watch.js";
import { startNode } from "./processes.js";
import { gatewayLaunch } from "./signed.js";

const limit = Number(process.env.OVERLOAD_LIMIT ?? 100);
const queue = Number(process.env.OVERLOAD_QUEUE ?? 100);
const queueTimeout = process.env.OVERLOAD_QUEUE_TIMEOUT ?? "2s";
const port = 18_000 + (process.pid % 2_000);
const calls = 2 * (limit + queue);
const entry = process.env.OVERLOAD_MAIN ?? "src/main.ts";
const stallMs = 8_000;

const dialects = ["openai", "anthropic"] as const;
type Dialect = (typeof dialects)[number];

const emulator = await startEmulator({ host: "127.0.0.1", port: 0, keepRequests: 10 });

function startGatewayOn(gatewayPort: number, env: Record<string, string> = {}) {
  const launch = gatewayLaunch("lean", gatewayPort, emulator.url);
  return startNode(
    entry,
    {
      ...launch.env,
      LOG_LEVEL: "warn",
      BEDROCK_MAX_CONCURRENT_CALLS: String(limit),
      BEDROCK_QUEUE_LIMIT: String(queue),
      BEDROCK_QUEUE_TIMEOUT: queueTimeout,
      ...env,
    },
    `http://127.0.0.1:${gatewayPort}/health`,
    undefined,
    ["--import", "tsx", ...launch.nodeArgs],
  );
}

async function call(gatewayPort: number, dialect: Dialect, text: string) {
  const path = dialect === "openai" ? "/v1/chat/completions" : "/anthropic/v1/messages";
  const messages = [{ role: "user", content: text }];
  const body = JSON.stringify(
    dialect === "openai"
      ? { model: "amazon.nova-lite-v1:0", messages }
      : { model: "claude-haiku-4-5", max_tokens: 20, messages },
  );
  const sent = performance.now();
  const response = await fetch(`http://127.0.0.1:${gatewayPort}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await response.arrayBuffer();
  return {
    status: response.status,
    ms: performance.now() - sent,
    retryAfter: response.headers.get("retry-after"),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

const burst = (gatewayPort: number, dialect: Dialect, text: string) =>
  Promise.all(Array.from({ length: calls }, () => call(gatewayPort, dialect, text)));

/** `clients` callers, each sending normal calls one after the other for `ms`: their statuses and times. */
async function normalCalls(gatewayPort: number, dialect: Dialect, clients: number, ms: number) {
  const until = performance.now() + ms;
  const results: { status: number; ms: number }[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) results.push(await call(gatewayPort, dialect, "a normal call"));
    }),
  );
  const served = results.filter((r) => r.status === 200).map((r) => r.ms);
  return {
    calls: results.length,
    answered: served.length,
    otherStatuses: [...new Set(results.filter((r) => r.status !== 200).map((r) => r.status))],
    p50Ms: round(percentile(served, 50)),
    p99Ms: round(percentile(served, 99)),
  };
}

const gateway = await startGatewayOn(port);
try {
  for (const dialect of dialects) {
    const watch = watchGateway(port, gateway.pid);
    const results = await burst(port, dialect, `hi @@stall:${stallMs}`);
    const watched = await watch.stop();
    const refused = results.filter((r) => r.status === 503 || r.status === 529);
    console.log(
      JSON.stringify({
        dialect,
        calls,
        limit,
        queue,
        queueTimeout,
        ok: results.filter((r) => r.status === 200).length,
        refused: refused.length,
        refusedWithRetryAfter: refused.filter((r) => r.retryAfter !== null).length,
        refusedSlowestMs: Math.round(Math.max(...refused.map((r) => r.ms))),
        healthP50Ms: Math.round(watched.p50 * 10) / 10,
        healthP99Ms: Math.round(watched.p99 * 10) / 10,
        peakRssMiB: Math.round(watched.peakRssMiB),
      }),
    );
  }
} finally {
  await gateway.stop();
}

// Two regions, the primary hanging for longer than the whole cell: the burst fills its slots and the rest of
// the burst goes to the second region; then normal calls are timed while the primary's calls still hang.
const regionsPort = port + 1;
const regionsStallMs = 20_000;
const metricsPort = regionsPort + 1;
const regional = await startGatewayOn(regionsPort, {
  AWS_BEDROCK_REGIONS: "us-east-1,us-west-2",
  METRICS_PORT: String(metricsPort),
});

/** The admission gauges of the gateway's metrics: `aegis_bedrock_calls_running us-east-1` → value. */
async function admissionGauges(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const gauges = new Map<string, number>();
  for (const match of text.matchAll(/^(aegis_bedrock_calls_\w+)\{region="([\w-]+)"\} (\d+)$/gm))
    gauges.set(`${match[1]} ${match[2]}`, Number(match[3]));
  return gauges;
}

/** Until the primary's slots are all held and the second region is idle again (at most 12 s). */
async function untilOnlyPrimaryHangs(): Promise<void> {
  const deadline = performance.now() + 12_000;
  while (performance.now() < deadline) {
    const gauges = await admissionGauges();
    // A gateway without the per-region gauges (OVERLOAD_MAIN): its queue's wait is over after queueTimeout.
    if (gauges.size === 0) {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return;
    }
    const waiting =
      (gauges.get("aegis_bedrock_calls_waiting us-east-1") ?? 0) +
      (gauges.get("aegis_bedrock_calls_waiting us-west-2") ?? 0);
    if (
      gauges.get("aegis_bedrock_calls_running us-east-1") === limit &&
      gauges.get("aegis_bedrock_calls_running us-west-2") === 0 &&
      waiting === 0
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the burst did not settle into the primary's slots within 12 s");
}

try {
  for (const dialect of dialects) {
    emulator.stallRegion("us-east-1", null);
    const baseline = await normalCalls(regionsPort, dialect, 4, 3_000);
    emulator.stallRegion("us-east-1", regionsStallMs);
    const started = performance.now();
    const overload = burst(regionsPort, dialect, "hi");
    await untilOnlyPrimaryHangs();
    const settledMs = performance.now() - started;
    // /health alongside the normal calls, while the primary's calls hang.
    const watch = watchGateway(regionsPort, regional.pid);
    const during = await normalCalls(regionsPort, dialect, 4, 3_000);
    const watched = await watch.stop();
    // Let the primary's calls go, rather than wait out the stall.
    emulator.stallRegion("us-east-1", null);
    const results = await overload;
    const refused = results.filter((r) => r.status === 503 || r.status === 529);
    // The primary's calls are let go only now: the slowest `limit` answers are theirs, the rest the second region's.
    const answeredMs = results
      .filter((r) => r.status === 200)
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    const servedElsewhere = answeredMs.slice(0, Math.max(0, answeredMs.length - limit));
    console.log(
      JSON.stringify({
        cell: "two regions, us-east-1 hanging",
        dialect,
        calls,
        limit,
        queue,
        queueTimeout,
        burstAnswered: answeredMs.length,
        burstServedBySecondRegion: servedElsewhere.length,
        burstServedP50Ms: round(percentile(servedElsewhere, 50)),
        burstServedP99Ms: round(percentile(servedElsewhere, 99)),
        burstRefused: refused.length,
        burstAbsorbedMs: Math.round(settledMs),
        normalBaseline: baseline,
        normalWhilePrimaryHangs: during,
        healthP50Ms: round(watched.p50),
        healthP99Ms: round(watched.p99),
        peakRssMiB: Math.round(watched.peakRssMiB),
      }),
    );
  }
} finally {
  emulator.stallRegion("us-east-1", null);
  await regional.stop();
  await emulator.close();
}
