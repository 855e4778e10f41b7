/**
 * `npm run bench:delta-trace`: the streaming target of issue #8 as the issue states it, "each delta written
 * within 0.1 ms of its arrival", measured at the gateway's own system calls. `perf trace` (Debian package
 * linux-perf; root) records every read and writev of the gateway while it relays streams of 8 deltas 1 ms
 * apart (`@@slow:1`, so each event arrives on a read of its own). For every read of one event from the
 * Bedrock connection that is followed by a write to the client, the time from the read's return to the
 * write's start is the time the gateway took with that delta: decode the event stream, translate, frame the
 * SSE chunk. The null proxy (bench/null-proxy.ts: bytes relayed unread) is traced the same way; its figure is
 * what Node's own reading and piping cost, and tracing inflates both alike.
 * Then the same for non-streamed requests sent one at a time (concurrency 1): the time each one is held by
 * the process itself (see holdTimes), its own share of the latency it adds.
 * BENCH_TRACE_STREAMS (100 per target, after 200 to warm up), BENCH_TRACE_REQUESTS (1000, after 200),
 * BENCH_TRANSPORTS (lean), BENCH_TRACE_KEEP=1 (leave perf's output in the temporary directory).
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
const requests = Number(process.env.BENCH_TRACE_REQUESTS ?? 1000);
const transports = (process.env.BENCH_TRANSPORTS ?? "lean").split(",").map((name) => name.trim());
const cpu = cpus().length >= 2 ? 0 : undefined;
if (cpu !== undefined) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });

const model = "amazon.nova-micro-v1:0";
const question = "Tell me about the gateway @@deltas:8";
const spacedQuestion = `${question} @@slow:1`;

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

/**
 * perf trace's lines: `  12.345 ( 0.026 ms): node/123 read(fd: 21<socket:[9]>, buf: ..., count: 65536) = 153`.
 * Only the main thread's (thread id = `pid`), and only on sockets: the other threads write log batches, and
 * the loop's eventfd is read and written too. Node reads a socket 64 KiB at a time (libuv its eventfd 1 KiB
 * at a time), which tells them apart where perf does not name the descriptor's kind.
 */
function parsePerfTrace(text: string, pid: number): Syscall[] {
  const lines = text.split("\n");
  const sockets = new Set(
    Array.from(text.matchAll(/read\(fd: (\d+)[^)]*count: 65536\)/g), (match) => Number(match[1])),
  );
  const calls: Syscall[] = [];
  for (const line of lines) {
    const match =
      /^\s*([\d.]+) \(\s*([\d.]+) ms\): [^/\s]+\/(\d+) (read|writev|write)\(fd: (\d+)[^=]*=\s*(-?\d+)/.exec(
        line,
      );
    if (!match || Number(match[3]) !== pid || !sockets.has(Number(match[5]))) continue;
    calls.push({
      start: Number(match[1]) * 1000,
      duration: Number(match[2]) * 1000,
      // write or writev, the same for this purpose: which one Node uses depends on how many buffers it has.
      name: match[4] === "read" ? "read" : "write",
      fd: Number(match[5]),
      result: Number(match[6]),
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
    if (next?.name === "write" && next.fd !== upstream) times.push(next.start - (call.start + call.duration));
  });
  return times.sort((a, b) => a - b);
}

/**
 * Non-streamed, one request at a time: for each request, the time from the return of the read that brought
 * it to the start of the write to Bedrock, plus the time from the return of the read that brought the answer
 * to the start of the write to the client. That is the time the gateway itself holds the request; the rest
 * of what it adds (two more trips through loopback, waking another process) any process on the path pays.
 */
function holdTimes(calls: Syscall[]): number[] {
  const times: number[] = [];
  let client = -1;
  let requestRead = -1;
  let upstream = -1;
  let upstreamWrite = -1;
  let answerRead = -1;
  for (const call of calls) {
    if (call.name === "read" && call.result > 0) {
      if (upstream >= 0 && call.fd === upstream && upstreamWrite >= 0)
        answerRead = call.start + call.duration;
      else if (upstreamWrite < 0) {
        client = call.fd;
        requestRead = call.start + call.duration;
      }
    } else if (call.name === "write") {
      if (requestRead >= 0 && upstreamWrite < 0 && call.fd !== client) {
        upstream = call.fd;
        upstreamWrite = call.start;
      } else if (answerRead >= 0 && call.fd === client) {
        times.push(upstreamWrite - requestRead + (call.start - answerRead));
        requestRead = upstreamWrite = answerRead = -1;
      }
    }
  }
  return times.sort((a, b) => a - b);
}

async function traced(
  service: Service,
  target: Target,
  count: number,
  analyse: (calls: Syscall[]) => number[],
): Promise<number[]> {
  await replay(target, 200);
  const output = join(tmpdir(), `aegis-delta-trace-${process.pid}-${service.pid}.txt`);
  const perf = spawn("perf", ["trace", "-e", "read,writev,write", "-p", String(service.pid), "-o", output], {
    stdio: "ignore",
  });
  try {
    // perf needs a moment to attach before the traced streams start.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await replay(target, count);
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    const exited = new Promise((resolve) => perf.once("exit", resolve));
    perf.kill("SIGINT");
    await exited;
  }
  try {
    return analyse(parsePerfTrace(readFileSync(output, "utf8"), service.pid));
  } finally {
    if (!process.env.BENCH_TRACE_KEEP) rmSync(output, { force: true });
  }
}

const at = (sorted: number[], p: number) =>
  (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN).toFixed(0);

function table(title: string, unit: string, rows: [string, number[]][]): void {
  console.log(`\n${title}\n`);
  console.log(`| target | ${unit} | p10 | p50 | p90 | p99 |`);
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [name, times] of rows) {
    console.log(
      `| ${name} | ${times.length} | ${at(times, 0.1)} | ${at(times, 0.5)} | ${at(times, 0.9)} | ${at(times, 0.99)} |`,
    );
  }
}

async function main() {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
  const emulator = await startEmulator({ keepRequests: 1000 });
  const services: Service[] = [];
  try {
    const deltas: [string, number[]][] = [];
    const holds: [string, number[]][] = [];
    const chat = (port: number, stream: boolean): Target => ({
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model,
        stream,
        messages: [{ role: "user", content: stream ? spacedQuestion : question }],
      }),
    });
    for (const [index, spec] of transports.entries()) {
      const port = 4331 + index;
      const gateway = await startGateway(spec, port, emulator.url, cpu);
      services.push(gateway);
      deltas.push([`aegis ${spec}`, await traced(gateway, chat(port, true), streams, deltaTimes)]);
      holds.push([`aegis ${spec}`, await traced(gateway, chat(port, false), requests, holdTimes)]);
    }
    const proxyPort = 4330;
    const proxy = await startNullProxy(proxyPort, emulator.url, cpu);
    services.push(proxy);
    const relayed = async (action: string, text: string): Promise<Target> => {
      const direct = await signedPost(
        emulator.url,
        `/model/${encodeURIComponent(model)}/${action}`,
        JSON.stringify({ messages: [{ role: "user", content: [{ text }] }] }),
      );
      return { ...direct, url: direct.url.replace(emulator.url, `http://127.0.0.1:${proxyPort}`) };
    };
    deltas.push([
      "null proxy",
      await traced(proxy, await relayed("converse-stream", spacedQuestion), streams, deltaTimes),
    ]);
    holds.push(["null proxy", await traced(proxy, await relayed("converse", question), requests, holdTimes)]);

    table(
      `From the read of one streamed event to the write of its frame, at the process's own system calls (perf trace), µs; ${streams} streams of 8 deltas each:`,
      "deltas",
      deltas,
    );
    table(
      `Non-streamed, one request at a time: time the process holds a request (read of the request to its write to Bedrock, plus read of the answer to its write to the client), µs:`,
      "requests",
      holds,
    );
  } finally {
    for (const service of services) await service.stop();
    await emulator.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
