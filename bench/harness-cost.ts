/**
 * `npx tsx bench/harness-cost.ts`: what the harness of bench/run.ts costs, and what the gateway sees of it.
 * The emulator (`dist/emulator/main.js`, as bench/run.ts starts it) and this process, the load generator,
 * share CPU 1; a lean gateway runs on CPU 0. For each cell, per request served: the emulator's CPU time
 * (/proc), this process's (process.cpuUsage), how busy CPU 1 was, and through the gateway its CPU time and
 * its read() calls (`syscr` of /proc/PID/io): how many reads a stream from the emulator reaches it in, which
 * a change to the emulator's writes must leave as it is.
 *
 * BENCH_SECONDS (4), BENCH_CONCURRENCY (16,64), BENCH_MODES (stream,non-stream), BENCH_ROUNDS (3),
 * BENCH_VIA (direct,lean: the emulator alone and through a lean gateway), BENCH_PORT_BASE (5700),
 * BENCH_EMULATOR (dist/emulator/main.js; another build's, for a before/after).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { load } from "./load.js";
import { cpuMillis, type Service, startGateway, startNode } from "./processes.js";
import { signedPost, type Target } from "./signed.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "16,64").split(",").map(Number);
const modes = (process.env.BENCH_MODES ?? "stream,non-stream").split(",");
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const vias = (process.env.BENCH_VIA ?? "direct,lean").split(",");
const portBase = Number(process.env.BENCH_PORT_BASE ?? 5700);
const emulatorUrl = `http://127.0.0.1:${portBase}`;
const twoCores = cpus().length >= 2;
if (twoCores) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });

const question = "Tell me about the gateway @@deltas:8";
const converseBody = JSON.stringify({ messages: [{ role: "user", content: [{ text: question }] }] });
const model = "amazon.nova-micro-v1:0";

const ownCpuMillis = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const readCalls = (pid: number) => Number(/syscr: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1]);

async function main() {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
  const emulator = await startNode(
    process.env.BENCH_EMULATOR ?? "dist/emulator/main.js",
    { EMULATOR_PORT: String(portBase) },
    `${emulatorUrl}/__emulator/stats`,
    twoCores ? 1 : undefined,
  );
  let gateway: Service | undefined;
  const lines: string[] = [];
  try {
    if (vias.includes("lean"))
      gateway = await startGateway("lean", portBase + 1, emulatorUrl, twoCores ? 0 : undefined);
    const targets = async (mode: string, via: string): Promise<Target> => {
      const stream = mode === "stream";
      if (via === "direct") {
        const operation = stream ? "converse-stream" : "converse";
        return signedPost(emulatorUrl, `/model/${encodeURIComponent(model)}/${operation}`, converseBody);
      }
      return {
        url: `http://127.0.0.1:${portBase + 1}/v1/chat/completions`,
        headers: { "content-type": "application/json", authorization: "Bearer bench" },
        body: JSON.stringify({ model, stream, messages: [{ role: "user", content: question }] }),
      };
    };
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        for (const via of vias) {
          const target = await targets(mode, via);
          if (round === 0) await load(target, 8, 2);
          for (const c of concurrencies) {
            const pid = via === "direct" ? undefined : gateway?.pid;
            const before = { emulator: cpuMillis(emulator.pid), own: ownCpuMillis() };
            const gatewayBefore = pid ? { cpu: cpuMillis(pid), reads: readCalls(pid) } : undefined;
            const result = await load(target, c, seconds);
            const n = Math.max(1, result.requests);
            const emulatorCpu = cpuMillis(emulator.pid) - before.emulator;
            const ownCpu = ownCpuMillis() - before.own;
            const perRequest = (ms: number) => ((ms / n) * 1000).toFixed(0);
            const gatewayCells =
              pid && gatewayBefore
                ? [
                    perRequest(cpuMillis(pid) - gatewayBefore.cpu),
                    ((readCalls(pid) - gatewayBefore.reads) / n).toFixed(2),
                  ]
                : ["", ""];
            lines.push(
              `| ${round} | ${mode} | ${via} | ${c} | ${result.rps.toFixed(0)} | ${result.errors} | ${perRequest(emulatorCpu)} | ${perRequest(ownCpu)} | ${(((emulatorCpu + ownCpu) / (seconds * 1000)) * 100).toFixed(0)} | ${gatewayCells.join(" | ")} |`,
            );
            console.error(lines.at(-1));
          }
        }
      }
    }
  } finally {
    await gateway?.stop();
    await emulator.stop();
  }
  console.log(
    "\n| round | mode | via | c | req/s | errors | emulator µs/req | load generator µs/req | CPU 1 busy % | gateway µs/req | gateway reads/req |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const line of lines) console.log(line);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
