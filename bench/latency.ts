/**
 * `npm run bench:latency`: the two latency targets of issue #8 that autocannon's whole milliseconds cannot
 * resolve, in microseconds.
 *
 * 1. Added p50 at concurrency 1: a sequential loop of non-streamed chat requests on one kept-alive
 *    connection (an undici Pool of one), timed with `process.hrtime.bigint()`, to the emulator directly and
 *    to each gateway; the added p50/p99 is the gateway's minus the direct one.
 * 2. Per-delta delay of streams: a stream of 8 deltas spaced 1 ms apart (`@@slow:1`), so every event
 *    arrives at the gateway on its own. The emulator runs in this process and records when it handed each
 *    event to the socket (`writtenAt`); the client notes when the matching frame arrives, on the same clock.
 *    Direct, that is the cost of loopback and the client's own parsing; through a gateway, the difference
 *    to it is what the gateway adds per delta (decode event stream, translate, write SSE).
 *
 * Both are also measured through a null proxy (bench/null-proxy.ts: bytes relayed unread), the cost of any
 * process on the path, so the gateway's own share can be told from the hop's.
 *
 * The gateways and the null proxy are pinned to CPU 0; this process (client and emulator) to CPU 1, when there are two cores.
 * BENCH_LATENCY_REQUESTS (3000 non-streamed requests per target, after 500 to warm up),
 * BENCH_LATENCY_STREAMS (300 streams per target, after 50; 0 skips them), BENCH_TRANSPORTS (sdk,lean; specs as in
 * bench/run.ts, e.g. lean,lean+node=--single-threaded-gc for an A/B in one run),
 * BENCH_LATENCY_ROUNDS (1: more measure the non-streamed requests again, the targets' order alternating, and
 * print each target's median over the rounds with its range), BENCH_PORT_BASE (4321: the null proxy's port;
 * the gateways take the next ones).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { Pool } from "undici";
import { startEmulator } from "../src/emulator/server.js";
import { type Service, startGateway, startNullProxy } from "./processes.js";
import { signedPost, type Target } from "./signed.js";

const requests = Number(process.env.BENCH_LATENCY_REQUESTS ?? 3000);
const streams = Number(process.env.BENCH_LATENCY_STREAMS ?? 300);
const transports = (process.env.BENCH_TRANSPORTS ?? "sdk,lean").split(",").map((name) => name.trim());
const rounds = Number(process.env.BENCH_LATENCY_ROUNDS ?? 1);
const portBase = Number(process.env.BENCH_PORT_BASE ?? 4321);
const twoCores = cpus().length >= 2;
if (twoCores) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });

const model = "amazon.nova-micro-v1:0";
const DELTAS = 8;
const plainQuestion = `Tell me about the gateway @@deltas:${DELTAS}`;
const spacedQuestion = `${plainQuestion} @@slow:1`;
const converseBody = (text: string) => JSON.stringify({ messages: [{ role: "user", content: [{ text }] }] });
const chatBody = (text: string, stream: boolean) =>
  JSON.stringify({ model, stream, messages: [{ role: "user", content: text }] });
const clock = () => performance.timeOrigin + performance.now();

/** p-th percentile (0..100) of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function summary(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function poolFor(target: Target): Pool {
  return new Pool(new URL(target.url).origin, { connections: 1, pipelining: 1 });
}

/**
 * What a process has done so far, from /proc: nanoseconds run on a CPU by its main thread (the event loop,
 * where a request's latency is spent) and by all its threads (schedstat: exact, where /proc/PID/stat counts
 * 10 ms ticks), the context switches of all its threads (each a wake-up: the loop's waits in epoll, V8's
 * helper threads, libuv's pool), and its write system calls (socket writes and log batches).
 */
interface Activity {
  main: number;
  all: number;
  switches: number;
  writes: number;
}

function activity(pid: number): Activity {
  const ran = (task: string) =>
    Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
  const count = (name: string, text: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  let all = 0;
  let switches = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      all += ran(task);
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
      switches += count("voluntary_ctxt_switches", status) + count("nonvoluntary_ctxt_switches", status);
    } catch {
      // A thread that ended meanwhile.
    }
  }
  const writes = count("syscw", readFileSync(`/proc/${pid}/io`, "utf8"));
  return { main: ran(String(pid)), all, switches, writes };
}

/** Microseconds per request, one at a time on one kept-alive connection; `measuring` runs after the warm-up. */
async function sequentialLatency(
  target: Target,
  count: number,
  warmup: number,
  measuring: () => void = () => {},
): Promise<number[]> {
  const pool = poolFor(target);
  const { pathname } = new URL(target.url);
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + count; i++) {
      if (i === warmup) measuring();
      const started = process.hrtime.bigint();
      const response = await pool.request({
        path: pathname,
        method: "POST",
        headers: target.headers,
        body: target.body,
      });
      await response.body.arrayBuffer();
      const elapsed = Number(process.hrtime.bigint() - started) / 1000;
      if (response.statusCode !== 200) throw new Error(`${target.url} answered ${response.statusCode}`);
      if (i >= warmup) times.push(elapsed);
    }
  } finally {
    await pool.close();
  }
  return times;
}

/**
 * Calls `onFrame(index, at)` for each complete event of a response body. Direct: AWS event-stream
 * messages (length-prefixed), every one. Gateway: OpenAI SSE chunks that carry text (`delta.content`).
 */
type FrameCounter = (chunk: Buffer, at: number) => void;

function eventStreamFrames(onFrame: (index: number, at: number) => void): FrameCounter {
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  return (chunk, at) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4 && pending.length >= pending.readUInt32BE(0)) {
      pending = pending.subarray(pending.readUInt32BE(0));
      onFrame(index++, at);
    }
  };
}

function sseTextFrames(onFrame: (index: number, at: number) => void): FrameCounter {
  let pending = "";
  let index = 0;
  return (chunk, at) => {
    pending += chunk.toString("utf8");
    let end = pending.indexOf("\n\n");
    while (end >= 0) {
      const frame = pending.slice(0, end);
      pending = pending.slice(end + 2);
      end = pending.indexOf("\n\n");
      if (!frame.startsWith("data: {")) continue;
      const content = (JSON.parse(frame.slice(6)) as { choices?: { delta?: { content?: string } }[] })
        .choices?.[0]?.delta?.content;
      if (content) onFrame(index++, at);
    }
  };
}

/**
 * Per-delta delay in microseconds: arrival at the client minus the emulator's write of the same event.
 * `eventOffset` maps the client's frame index to the emulator's event index (the gateway's text chunks
 * start at the emulator's second event, after messageStart).
 */
async function deltaDelays(
  target: Target,
  frames: (onFrame: (index: number, at: number) => void) => FrameCounter,
  eventOffset: number,
  lastWrite: () => number[] | undefined,
  count: number,
  warmup: number,
): Promise<number[]> {
  const pool = poolFor(target);
  const { pathname } = new URL(target.url);
  const delays: number[] = [];
  try {
    for (let i = 0; i < warmup + count; i++) {
      const arrivals: number[] = [];
      const response = await pool.request({
        path: pathname,
        method: "POST",
        headers: target.headers,
        body: target.body,
      });
      if (response.statusCode !== 200) throw new Error(`${target.url} answered ${response.statusCode}`);
      const count = frames((index, at) => {
        arrivals[index] = at;
      });
      await new Promise<void>((resolve, reject) => {
        response.body.on("data", (chunk: Buffer) => count(chunk, clock()));
        response.body.once("end", resolve);
        response.body.once("error", reject);
      });
      const written = lastWrite() ?? [];
      if (i < warmup) continue;
      for (let delta = 0; delta < DELTAS; delta++) {
        const event = delta + 1; // event 0 is messageStart
        const arrived = arrivals[event - eventOffset];
        const wrote = written[event];
        if (arrived === undefined || wrote === undefined)
          throw new Error(`${target.url}: delta ${delta} missing (${arrivals.length} frames)`);
        delays.push((arrived - wrote) * 1000);
      }
    }
  } finally {
    await pool.close();
  }
  return delays;
}

const us = (value: number) => value.toFixed(0);

async function main() {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
  const emulator = await startEmulator({ keepRequests: 1000 });
  const lastWrite = () => emulator.requests.at(-1)?.writtenAt;
  const gateways: { spec: string; service: Service; port: number }[] = [];
  try {
    for (const [index, spec] of transports.entries()) {
      const port = portBase + 1 + index;
      const service = await startGateway(spec, port, emulator.url, twoCores ? 0 : undefined);
      gateways.push({ spec, service, port });
    }
    const nullProxyPort = portBase;
    const nullProxy = await startNullProxy(nullProxyPort, emulator.url, twoCores ? 0 : undefined);
    gateways.push({ spec: "null proxy", service: nullProxy, port: nullProxyPort });
    const relayed = (target: Target): Target => ({
      ...target,
      url: target.url.replace(emulator.url, `http://127.0.0.1:${nullProxyPort}`),
    });
    const gatewayTarget = (port: number, text: string, stream: boolean): Target => ({
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: { "content-type": "application/json", authorization: "Bearer bench" },
      body: chatBody(text, stream),
    });
    const modelPath = `/model/${encodeURIComponent(model)}`;

    console.log(`\n${cpus().length} cores, node ${process.version}`);
    console.log(`\nNon-streamed chat at concurrency 1, ${requests} requests each (after 500), µs:\n`);
    console.log(
      "| target | p50 µs | p99 µs | added p50 µs | added p99 µs | gateway CPU µs/req: event loop | all threads | context switches/req | writes/req |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    const directConverse = await signedPost(
      emulator.url,
      `${modelPath}/converse`,
      converseBody(plainQuestion),
    );
    const name = (gateway: (typeof gateways)[number]) =>
      `${gateway.service === nullProxy ? "" : "aegis "}${gateway.spec}`;
    const p50s = new Map<string, number[]>();
    const cpuTimes = new Map<string, number[]>();
    const note = (map: Map<string, number[]>, key: string, value: number) =>
      map.set(key, [...(map.get(key) ?? []), value]);
    for (let round = 0; round < rounds; round++) {
      const direct = summary(await sequentialLatency(directConverse, requests, 500));
      note(p50s, "emulator direct", direct.p50);
      console.log(`| emulator direct | ${us(direct.p50)} | ${us(direct.p99)} | | | | | | |`);
      // Odd rounds take the targets in reverse, so a slow spell of the machine does not always hit the same one.
      for (const gateway of round % 2 ? [...gateways].reverse() : gateways) {
        const target =
          gateway.service === nullProxy
            ? relayed(directConverse)
            : gatewayTarget(gateway.port, plainQuestion, false);
        const { pid } = gateway.service;
        let before: Activity = { main: 0, all: 0, switches: 0, writes: 0 };
        const via = summary(
          await sequentialLatency(target, requests, 500, () => {
            before = activity(pid);
          }),
        );
        const after = activity(pid);
        const perRequest = (nanos: number) => nanos / 1000 / requests;
        const cpu = perRequest(after.main - before.main);
        note(p50s, name(gateway), via.p50);
        note(cpuTimes, name(gateway), cpu);
        console.log(
          `| ${name(gateway)} | ${us(via.p50)} | ${us(via.p99)} | ${us(via.p50 - direct.p50)} | ${us(via.p99 - direct.p99)} | ${us(cpu)} | ${us(perRequest(after.all - before.all))} | ${((after.switches - before.switches) / requests).toFixed(2)} | ${((after.writes - before.writes) / requests).toFixed(2)} |`,
        );
      }
    }
    if (rounds > 1) {
      const median = (values: number[]) =>
        percentile(
          [...values].sort((a, b) => a - b),
          50,
        );
      const range = (values: number[]) => `${us(Math.min(...values))}–${us(Math.max(...values))}`;
      const nullP50s = p50s.get("null proxy") ?? [];
      console.log(`\nOver ${rounds} rounds: median (range), µs:\n`);
      console.log(
        "| target | p50 µs | p50 minus the null proxy's, same round µs | CPU µs/req, event loop thread |",
      );
      console.log("| --- | --- | --- | --- |");
      for (const [target, values] of p50s) {
        const overNull = values.map((value, round) => value - (nullP50s[round] ?? Number.NaN));
        const cpu = cpuTimes.get(target);
        console.log(
          `| ${target} | ${us(median(values))} (${range(values)}) | ${target === "null proxy" || target === "emulator direct" ? "" : `${us(median(overNull))} (${range(overNull)})`} | ${cpu ? `${us(median(cpu))} (${range(cpu)})` : ""} |`,
        );
      }
    }
    if (streams === 0) return;

    console.log(
      `\nStreamed chat, ${DELTAS} deltas 1 ms apart, ${streams} streams each (after 50): from the emulator's write of a delta to its arrival at the client, µs:\n`,
    );
    console.log("| target | p50 µs | p99 µs | added p50 µs | added p99 µs |");
    console.log("| --- | --- | --- | --- | --- |");
    const directStream = await signedPost(
      emulator.url,
      `${modelPath}/converse-stream`,
      converseBody(spacedQuestion),
    );
    const directDeltas = summary(
      await deltaDelays(directStream, eventStreamFrames, 0, lastWrite, streams, 50),
    );
    console.log(`| emulator direct | ${us(directDeltas.p50)} | ${us(directDeltas.p99)} | | |`);
    for (const gateway of gateways) {
      const relay = gateway.service === nullProxy;
      const via = summary(
        await deltaDelays(
          relay ? relayed(directStream) : gatewayTarget(gateway.port, spacedQuestion, true),
          relay ? eventStreamFrames : sseTextFrames,
          relay ? 0 : 1,
          lastWrite,
          streams,
          50,
        ),
      );
      console.log(
        `| ${gateway.service === nullProxy ? "" : "aegis "}${gateway.spec} | ${us(via.p50)} | ${us(via.p99)} | ${us(via.p50 - directDeltas.p50)} | ${us(via.p99 - directDeltas.p99)} |`,
      );
    }
  } finally {
    for (const gateway of gateways) await gateway.service.stop();
    await emulator.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
