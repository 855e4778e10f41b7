/**
 * `npx tsx bench/redis-floor.ts`: the CPU floor of a Redis round trip on this machine, to read
 * bench/auth.ts's "limits in Redis" row against. A bare HTTP server (bench/redis-floor-server.ts, pinned
 * to one core like the gateway) answers each request after N awaited PINGs through the gateway's ioredis
 * client, for N = 0, 1, 3, answering at once or after a 1 ms wait standing in for the upstream call (then
 * Redis and the server go idle between requests, as with the gateway at concurrency 1, and every round
 * trip pays for waking both); autocannon at concurrency 1 and 16 on the other core, the servers alternated. The CPU each PING adds per request is what any limit kept in Redis pays per round trip, however
 * small its script.
 */
import { cpus } from "node:os";
import autocannon from "autocannon";
import { startRedisServer } from "../test/helpers/redis-server.js";
import { cpuMillis, type Service, startNode } from "./processes.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const twoCores = cpus().length >= 2;
const variants = [0, 1].flatMap((waitMs) => [0, 1, 3].map((commands) => ({ commands, waitMs })));

async function main() {
  const redis = await startRedisServer();
  const servers: Service[] = [];
  try {
    for (const [index, { commands, waitMs }] of variants.entries()) {
      const port = 4341 + index;
      servers.push(
        await startNode(
          "bench/redis-floor-server.ts",
          {
            REDIS_URL: redis.url,
            REDIS_FLOOR_PORT: String(port),
            REDIS_FLOOR_COMMANDS: String(commands),
            REDIS_FLOOR_WAIT_MS: String(waitMs),
          },
          `http://127.0.0.1:${port}/health`,
          twoCores ? 0 : undefined,
          ["--import", "tsx"],
        ),
      );
    }
    for (const connections of [1, 16]) {
      const run = (index: number, duration: number) =>
        autocannon({ url: `http://127.0.0.1:${4341 + index}/`, connections, duration });
      for (const index of variants.keys()) await run(index, 1);
      const totals = variants.map(() => ({ requests: 0, cpu: 0, latency: 0 }));
      for (let round = 0; round < 2; round++) {
        for (const [index, server] of servers.entries()) {
          const before = cpuMillis(server.pid);
          const result = await run(index, seconds / 2);
          const total = totals[index];
          if (!total) continue;
          total.cpu += cpuMillis(server.pid) - before;
          total.requests += result.requests.total;
          total.latency += result.latency.average * result.requests.total;
        }
      }
      console.log(`\nBare HTTP server + N awaited Redis PINGs per request, concurrency ${connections}:\n`);
      console.log(
        "| upstream wait | PINGs per request | requests | mean ms | server CPU ms/req | CPU over 0 PINGs |",
      );
      console.log("| --- | --- | --- | --- | --- | --- |");
      for (const [index, { commands, waitMs }] of variants.entries()) {
        const total = totals[index];
        const base = totals[variants.findIndex((other) => other.waitMs === waitMs && other.commands === 0)];
        if (!total || !base) continue;
        const cpu = total.cpu / total.requests;
        console.log(
          `| ${waitMs} ms | ${commands} | ${total.requests} | ${(total.latency / total.requests).toFixed(3)} | ${cpu.toFixed(3)} | ${(cpu - base.cpu / base.requests).toFixed(3)} |`,
        );
      }
    }
  } finally {
    for (const server of servers) await server.stop();
    await redis.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
