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
 * BENCH_LATENCY_STREAMS (300 streams per target, after 50), BENCH_TRANSPORTS (sdk,lean; as in bench/run.ts).
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { Pool } from "undici";
import { startEmulator } from "../src/emulator/server.js";
import { cpuMillis, type Service, startGateway, startNullProxy } from "./processes.js";
import { signedPost, type Target } from "./signed.js";

const requests = Number(process.env.BENCH_LATENCY_REQUESTS ?? 3000);
const streams = Number(process.env.BENCH_LATENCY_STREAMS ?? 300);
const transports = (process.env.BENCH_TRANSPORTS ?? "sdk,lean").split(",").map((name) => name.trim());
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

/** Microseconds per request, one at a time on one kept-alive connection. */
async function sequentialLatency(target: Target, count: number, warmup: number): Promise<number[]> {
  const pool = poolFor(target);
  const { pathname } = new URL(target.url);
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + count; i++) {
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
      const port = 4322 + index;
      const service = await startGateway(spec, port, emulator.url, twoCores ? 0 : undefined);
      gateways.push({ spec, service, port });
    }
    const nullProxyPort = 4321;
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
    console.log("| target | p50 µs | p99 µs | added p50 µs | added p99 µs | gateway CPU µs/req |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    const directConverse = await signedPost(
      emulator.url,
      `${modelPath}/converse`,
      converseBody(plainQuestion),
    );
    const direct = summary(await sequentialLatency(directConverse, requests, 500));
    console.log(`| emulator direct | ${us(direct.p50)} | ${us(direct.p99)} | | | |`);
    for (const gateway of gateways) {
      const cpuBefore = cpuMillis(gateway.service.pid);
      const target =
        gateway.service === nullProxy
          ? relayed(directConverse)
          : gatewayTarget(gateway.port, plainQuestion, false);
      const via = summary(await sequentialLatency(target, requests, 500));
      // Warm-up included: the CPU time is read from /proc in 10 ms ticks, too coarse to split.
      const cpu = ((cpuMillis(gateway.service.pid) - cpuBefore) * 1000) / (requests + 500);
      console.log(
        `| ${gateway.service === nullProxy ? "" : "aegis "}${gateway.spec} | ${us(via.p50)} | ${us(via.p99)} | ${us(via.p50 - direct.p50)} | ${us(via.p99 - direct.p99)} | ${us(cpu)} |`,
      );
    }

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
