/**
 * RSS of the gateway per MB of request body in flight: N concurrent chats of ~1 MB each, held by an emulator
 * stall so they are all in memory at once; the gateway's RSS is sampled from /proc. Runs the sources
 * (src/main.ts through tsx) with MAX_INFLIGHT_REQUEST_BYTES out of the way, so the budget is not measured.
 *   npx tsx bench/inflight-rss.ts            (INFLIGHT_N=200, INFLIGHT_MB=1)
 */
import { startEmulator } from "../src/emulator/server.js";
import { rssMiB, startNode } from "./processes.js";
import { gatewayLaunch } from "./signed.js";

const count = Number(process.env.INFLIGHT_N ?? 200);
const megabytes = Number(process.env.INFLIGHT_MB ?? 1);
const port = 18_000 + (process.pid % 2_000);

const emulator = await startEmulator({ host: "127.0.0.1", port: 0, keepRequests: 10 });
const launch = gatewayLaunch("lean", port, emulator.url);
const gateway = await startNode(
  "src/main.ts",
  { ...launch.env, LOG_LEVEL: "warn", MAX_INFLIGHT_REQUEST_BYTES: "4GiB" },
  `http://127.0.0.1:${port}/health`,
  undefined,
  ["--import", "tsx", ...launch.nodeArgs],
);
try {
  const text = "lorem ".repeat(Math.round((megabytes * 1e6) / 6));
  const body = (stall: number) =>
    JSON.stringify({
      model: "amazon.nova-lite-v1:0",
      messages: [{ role: "user", content: `${text} @@stall:${stall}` }],
    });
  const send = (stall: number) =>
    fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body(stall),
    }).then((response) => response.arrayBuffer().then(() => response.status));
  // Warm up (JIT, pools), then let the heap settle.
  for (let i = 0; i < 5; i++) await send(0);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const before = rssMiB(gateway.pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(gateway.pid));
  }, 20);
  const statuses = await Promise.all(Array.from({ length: count }, () => send(3_000)));
  clearInterval(sampler);
  const ok = statuses.filter((status) => status === 200).length;
  const inFlightMB = (count * Buffer.byteLength(body(3_000))) / 1e6;
  console.log(
    JSON.stringify({
      requests: count,
      ok,
      inFlightMB: Math.round(inFlightMB),
      rssBeforeMiB: Math.round(before),
      rssPeakMiB: Math.round(peak),
      rssPerMBInFlight: Math.round(((peak - before) / inFlightMB) * 100) / 100,
    }),
  );
} finally {
  await gateway.stop();
  await emulator.close();
}
