/**
 * Where a gateway's RSS is (from /proc/PID/smaps: the node binary, other files, malloc's main heap, anonymous
 * maps — V8's heap and the other threads' malloc arenas) fresh from start, after a warm-up, and once 1,000
 * slow OpenAI streams are open; then the peak RSS of the burst (sampled every 50 ms). One spec per run:
 *   BURST_SPEC="lean+node=--max-semi-space-size=4 --heap-growing-percent=50" npx tsx bench/burst-rss.ts
 * BURST_WARMUP (1000) requests, half streamed, 50 at a time, come first; BURST_STREAMS (1000) streams then.
 */
import { readFileSync } from "node:fs";
import { startEmulator } from "../src/emulator/server.js";
import { freeLoopbackPort } from "../test/helpers/redis-server.js";
import { pinLoadToSecondCpu, rssMiB, startGateway } from "./processes.js";

const spec = process.env.BURST_SPEC ?? "lean";
const warmup = Number(process.env.BURST_WARMUP ?? 1000);
const streams = Number(process.env.BURST_STREAMS ?? 1000);
const twoCores = pinLoadToSecondCpu();

const emulator = await startEmulator({ host: "127.0.0.1", port: 0, keepRequests: 10 });
const port = await freeLoopbackPort();
const gateway = await startGateway(
  `${spec}+BEDROCK_MAX_CONCURRENT_CALLS=${streams}`,
  port,
  emulator.url,
  twoCores ? 0 : undefined,
);

/** Resident MiB of the gateway by kind of mapping. */
function where(moment: string): void {
  const sums: Record<string, number> = {};
  let kind = "anonymous";
  for (const line of readFileSync(`/proc/${gateway.pid}/smaps`, "utf8").split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const name = mapping[1] ?? "";
      kind = name.endsWith("/node")
        ? "node binary"
        : name.startsWith("/")
          ? "other files"
          : name || "anonymous";
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) sums[kind] = (sums[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  const total = Object.values(sums).reduce((sum, value) => sum + value, 0);
  const parts = Object.entries(sums)
    .filter(([, value]) => value >= 0.5)
    .map(([name, value]) => `${name} ${value.toFixed(1)}`);
  console.log(`| ${moment} | ${total.toFixed(1)} | ${parts.join(", ")} |`);
}

const body = (stream: boolean, slow: boolean) =>
  JSON.stringify({
    model: "amazon.nova-lite-v1:0",
    stream,
    messages: [
      { role: "user", content: `one two three four five six seven eight${slow ? " @@slow:250" : ""}` },
    ],
  });
const post = (stream: boolean, slow: boolean) =>
  fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body(stream, slow),
  });

console.log(`\nRSS of one gateway (${spec}), MiB\n`);
console.log("| moment | RSS | by mapping |");
console.log("| --- | --- | --- |");
try {
  where("fresh from start");
  for (let done = 0; done < warmup; done += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, warmup - done) }, async (_, i) =>
        (await post(i % 2 === 0, false)).text(),
      ),
    );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  where(`after ${warmup} warm-up requests`);
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(gateway.pid));
  }, 50);
  let answered = 0;
  let failed = 0;
  const all = Promise.all(
    Array.from({ length: streams }, async () => {
      try {
        const response = await post(true, true);
        answered++;
        return (await response.text()).includes("[DONE]");
      } catch {
        failed++;
        return false;
      }
    }),
  );
  while (answered + failed < streams) await new Promise((resolve) => setTimeout(resolve, 20));
  where(`${answered} streams open (${failed} failed)`);
  const complete = (await all).filter(Boolean).length;
  clearInterval(sampler);
  where(`after the streams (${complete} complete; peak RSS ${peak.toFixed(1)})`);
} finally {
  await gateway.stop();
  await emulator.close();
}
