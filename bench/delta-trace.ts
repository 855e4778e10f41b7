/**
 * `npm run bench:delta-trace`: the streaming target of issue #8 as the issue states it, "each delta written
 * within 0.1 ms of its arrival", measured at the gateway's own system calls. `perf trace` (Debian package
 * linux-perf; root) records every read and writev of the gateway while it relays streams of 8 deltas 1 ms
 * apart (`@@slow:1`, so each event arrives on a read of its own). For every read of one event from the
 * Bedrock connection that is followed by a write to the client, the time from the read's return to the
 * write's start is the time the gateway took with that delta: decode the event stream, translate, frame the
 * SSE chunk. The null proxy (bench/null-proxy.ts: bytes relayed unread) is traced the same way; its figure is
 * what Node's own reading and piping cost, and tracing inflates both alike.
 * BENCH_TRACE_STREAMS (100 per target, after 200 to warm up), BENCH_TRANSPORTS (lean).
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { startEmulator } from "../src/emulator/server.js";
import { type Service, startGateway, startNullProxy } from "./processes.js";
import { signedPost, type Target } from "./signed.js";

const streams = Number(process.env.BENCH_TRACE_STREAMS ?? 100);
const transports = (process.env.BENCH_TRANSPORTS ?? "lean").split(",").map((name) => name.trim());
const cpu = cpus().length >= 2 ? 0 : undefined;
if (cpu !== undefined) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });

const model = "amazon.nova-micro-v1:0";
const question = "Tell me about the gateway @@deltas:8 @@slow:1";

async function replay(target: Target, count: number): Promise<void> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: 1 });
  try {
    for (let i = 0; i < count; i++) {
      const response = await pool.request({
        path: url.pathname,
        method: "POST",
        headers: target.headers,
        body: target.body,
      });
      await response.body.arrayBuffer();
      if (response.statusCode !== 200) throw new Error(`${target.url} answered ${response.statusCode}`);
    }
  } finally {
    await pool.close();
  }
}

interface Syscall {
  start: number;
  duration: number;
  name: string;
  fd: number;
  result: number;
}

/** perf trace's lines: `  12.345 ( 0.026 ms): node/123 read(fd: 21, buf: ..., count: 65536)   = 153`. */
function parsePerfTrace(text: string): Syscall[] {
  const calls: Syscall[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*([\d.]+) \(\s*([\d.]+) ms\): \S+ (read|writev)\(fd: (\d+)[^=]*=\s*(-?\d+)/.exec(line);
    if (!match) continue;
    calls.push({
      start: Number(match[1]) * 1000,
      duration: Number(match[2]) * 1000,
      name: match[3] ?? "",
      fd: Number(match[4]),
      result: Number(match[5]),
    });
  }
  return calls;
}

/** µs from the return of each one-event read on the upstream connection to the next write to the client. */
function deltaTimes(calls: Syscall[]): number[] {
  // The upstream connection is the one whose reads are single events: the most frequent read size.
  const sizes = new Map<string, number>();
  for (const call of calls) {
    if (call.name !== "read" || call.result <= 0) continue;
    const key = `${call.fd}:${call.result}`;
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  const [upstream, eventSize] = ([...sizes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "0:0")
    .split(":")
    .map(Number);
  const times: number[] = [];
  calls.forEach((call, index) => {
    const next = calls[index + 1];
    if (call.name !== "read" || call.fd !== upstream || call.result !== eventSize) return;
    if (next?.name === "writev" && next.fd !== upstream)
      times.push(next.start - (call.start + call.duration));
  });
  return times.sort((a, b) => a - b);
}

async function traced(service: Service, target: Target): Promise<number[]> {
  await replay(target, 200);
  const output = join(tmpdir(), `aegis-delta-trace-${process.pid}-${service.pid}.txt`);
  const perf = spawn("perf", ["trace", "-e", "read,writev", "-p", String(service.pid), "-o", output], {
    stdio: "ignore",
  });
  try {
    // perf needs a moment to attach before the traced streams start.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await replay(target, streams);
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    const exited = new Promise((resolve) => perf.once("exit", resolve));
    perf.kill("SIGINT");
    await exited;
  }
  try {
    return deltaTimes(parsePerfTrace(readFileSync(output, "utf8")));
  } finally {
    rmSync(output, { force: true });
  }
}

const at = (sorted: number[], p: number) =>
  (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN).toFixed(0);

async function main() {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
  const emulator = await startEmulator({ keepRequests: 1000 });
  const services: Service[] = [];
  try {
    const rows: [string, number[]][] = [];
    for (const [index, spec] of transports.entries()) {
      const port = 4331 + index;
      const gateway = await startGateway(spec, port, emulator.url, cpu);
      services.push(gateway);
      const target: Target = {
        url: `http://127.0.0.1:${port}/v1/chat/completions`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: question }] }),
      };
      rows.push([`aegis ${spec}`, await traced(gateway, target)]);
    }
    const proxyPort = 4330;
    const proxy = await startNullProxy(proxyPort, emulator.url, cpu);
    services.push(proxy);
    const direct = await signedPost(
      emulator.url,
      `/model/${encodeURIComponent(model)}/converse-stream`,
      JSON.stringify({ messages: [{ role: "user", content: [{ text: question }] }] }),
    );
    rows.push([
      "null proxy",
      await traced(proxy, {
        ...direct,
        url: direct.url.replace(emulator.url, `http://127.0.0.1:${proxyPort}`),
      }),
    ]);

    console.log(
      `\nFrom the read of one streamed event to the write of its frame, at the process's own system calls (perf trace), µs; ${streams} streams of 8 deltas each:\n`,
    );
    console.log("| target | deltas | p10 | p50 | p90 | p99 |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const [name, times] of rows) {
      console.log(
        `| ${name} | ${times.length} | ${at(times, 0.1)} | ${at(times, 0.5)} | ${at(times, 0.9)} | ${at(times, 0.99)} |`,
      );
    }
  } finally {
    for (const service of services) await service.stop();
    await emulator.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
