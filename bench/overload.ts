/**
 * The overload cell: twice the concurrency limit plus the queue in stalled Bedrock calls, per dialect. Shows
 * that the refusals (503 / 529 with retry-after) arrive within the queue's wait timeout, and that /health
 * stays fast meanwhile. Runs the sources (src/main.ts through tsx) against the emulator.
 *   npx tsx bench/overload.ts      (OVERLOAD_LIMIT=100, OVERLOAD_QUEUE=100, OVERLOAD_QUEUE_TIMEOUT=2s)
 */
import { startEmulator } from "../src/emulator/server.js";
import { watchGateway } from "./gateway-watch.js";
import { startNode } from "./processes.js";
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
    const watch = watchGateway(port, gateway.pid);
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
  await emulator.close();
}
