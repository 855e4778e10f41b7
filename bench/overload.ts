/**
 * The overload cell: twice the concurrency limit plus the queue in stalled Bedrock calls, per dialect. Shows
 * that the refusals (503 / 529 with retry-after) arrive within the queue's wait timeout, and that /health
 * stays fast meanwhile. Runs the sources (src/main.ts through tsx) against the emulator.
 *   npx tsx bench/overload.ts      (OVERLOAD_LIMIT=100, OVERLOAD_QUEUE=100, OVERLOAD_QUEUE_TIMEOUT=2s)
 */
import { startEmulator } from "../src/emulator/server.js";
import { rssMiB, startNode } from "./processes.js";
import { gatewayLaunch } from "./signed.js";

const limit = Number(process.env.OVERLOAD_LIMIT ?? 100);
const queue = Number(process.env.OVERLOAD_QUEUE ?? 100);
const queueTimeout = process.env.OVERLOAD_QUEUE_TIMEOUT ?? "2s";
const port = 18_000 + (process.pid % 2_000);
const calls = 2 * (limit + queue);

const emulator = await startEmulator({ host: "127.0.0.1", port: 0, keepRequests: 10 });
const launch = gatewayLaunch("lean", port, emulator.url);
const gateway = await startNode(
  "src/main.ts",
  {
    ...launch.env,
    LOG_LEVEL: "warn",
    BEDROCK_MAX_CONCURRENT_CALLS: String(limit),
    BEDROCK_QUEUE_LIMIT: String(queue),
    BEDROCK_QUEUE_TIMEOUT: queueTimeout,
  },
  `http://127.0.0.1:${port}/health`,
  undefined,
  ["--import", "tsx", ...launch.nodeArgs],
);

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;

try {
  for (const dialect of ["openai", "anthropic"] as const) {
    const path = dialect === "openai" ? "/v1/chat/completions" : "/anthropic/v1/messages";
    const body = JSON.stringify(
      dialect === "openai"
        ? { model: "amazon.nova-lite-v1:0", messages: [{ role: "user", content: "hi @@stall:8000" }] }
        : {
            model: "claude-haiku-4-5",
            max_tokens: 20,
            messages: [{ role: "user", content: "hi @@stall:8000" }],
          },
    );
    const health: number[] = [];
    let running = true;
    const prober = (async () => {
      while (running) {
        const at = performance.now();
        await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.arrayBuffer());
        health.push(performance.now() - at);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMiB(gateway.pid));
    }, 50);
    const results = await Promise.all(
      Array.from({ length: calls }, async () => {
        const sent = performance.now();
        const response = await fetch(`http://127.0.0.1:${port}${path}`, {
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
      }),
    );
    running = false;
    clearInterval(sampler);
    await prober;
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
        healthP50Ms: Math.round(percentile(health, 50) * 10) / 10,
        healthP99Ms: Math.round(percentile(health, 99) * 10) / 10,
        peakRssMiB: Math.round(peakRss),
      }),
    );
  }
} finally {
  await gateway.stop();
  await emulator.close();
}
