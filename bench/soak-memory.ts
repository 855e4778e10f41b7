import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../src/emulator/server.js";
import { freeLoopbackPort } from "../test/helpers/redis-server.js";
import { pinLoadToSecondCpu, rssMiB, startGateway } from "./processes.js";

const streams = Number(process.env.SOAK_STREAMS ?? 1000);
const deltaMs = Number(process.env.SOAK_DELTA_MS ?? 1000);
const dialectNames = (process.env.SOAK_DIALECTS ?? "openai,anthropic").split(",");
const spec = process.env.BENCH_TRANSPORTS ?? "lean";
const twoCores = pinLoadToSecondCpu();

const work = mkdtempSync(join(tmpdir(), `aegis-soak-memory-${process.pid}-`));
const probeFile = join(work, "probe.jsonl");
process.env.MEMORY_PROBE_FILE = probeFile;
if (process.env.MEMORY_SNAPSHOTS) process.env.MEMORY_PROBE_SNAPSHOTS = process.env.MEMORY_SNAPSHOTS;
if (process.env.MEMORY_SMAPS) process.env.MEMORY_PROBE_SMAPS = process.env.MEMORY_SMAPS;

const prompt = `one two three four five six seven eight @@slow:${deltaMs}`;
const bodies = {
  openai: (stream: boolean) =>
    JSON.stringify({ model: "amazon.nova-lite-v1:0", stream, messages: [{ role: "user", content: prompt }] }),
  anthropic: (stream: boolean) =>
    JSON.stringify({
      model: "claude-haiku-4-5",
      max_tokens: 200,
      stream,
      messages: [{ role: "user", content: prompt }],
    }),
};
const paths = { openai: "/v1/chat/completions", anthropic: "/anthropic/v1/messages" };

interface Sample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  spaces: Record<string, { size: number; used: number; physical: number }>;
}
interface Probe {
  before: Sample;
  afterGc: Sample;
  snapshot?: string;
}

const emulator = await startEmulator({ host: "127.0.0.1", port: 0, keepRequests: 10 });
const port = await freeLoopbackPort();
const gateway = await startGateway(
  `${spec}+BEDROCK_MAX_CONCURRENT_CALLS=${streams}`,
  port,
  emulator.url,
  twoCores ? 0 : undefined,
  ["--expose-gc", "--import", "./bench/memory-probe.mjs"],
);

let probes = 0;
async function probe(): Promise<Probe> {
  probes++;
  process.kill(gateway.pid, "SIGUSR2");
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    let lines: string[] = [];
    try {
      // Whole lines only: the probe may be between creating the file and writing its line.
      lines = readFileSync(probeFile, "utf8").split("\n").slice(0, -1);
    } catch {
      // Not written yet.
    }
    if (lines.length >= probes) return JSON.parse(lines[probes - 1] ?? "") as Probe;
  }
}

function post(dialect: keyof typeof bodies, stream: boolean, slow = true) {
  const body = slow ? bodies[dialect](stream) : bodies[dialect](stream).replace(/ @@slow:\d+/, "");
  return fetch(`http://127.0.0.1:${port}${paths[dialect]}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body,
  });
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const rows: string[] = [];
function row(label: string, sample: Sample) {
  const space = (name: string) => mib(sample.spaces[name]?.size ?? 0);
  rows.push(
    `| ${label} | ${mib(sample.rss)} | ${mib(sample.heapTotal)} | ${mib(sample.heapUsed)} | ${space("new_space")} | ${space("old_space")} | ${space("code_space")} | ${mib(sample.external)} | ${mib(sample.arrayBuffers)} | ${mib(sample.rss - sample.heapTotal - sample.external)} |`,
  );
}
function record(label: string, sample: Probe) {
  row(label, sample.before);
  row(`${label}, after GC`, sample.afterGc);
  if (sample.snapshot) rows.push(`| (heap snapshot ${sample.snapshot}) |`);
}

try {
  record("idle after start", await probe());
  for (const dialect of dialectNames as (keyof typeof bodies)[]) {
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => (await post(dialect, i % 2 === 0, false)).text()),
      );
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  record("idle after warm-up", await probe());

  for (const dialect of dialectNames as (keyof typeof bodies)[]) {
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(gateway.pid));
    }, 50);
    const responses = await Promise.all(Array.from({ length: streams }, () => post(dialect, true)));
    // Every stream open and its first bytes out: the plateau.
    const readers = responses.map((response) => response.body?.getReader());
    const firsts = await Promise.all(readers.map((reader) => reader?.read()));
    const opened = responses.filter((response) => response.status === 200).length;
    const beforeProbe = rssMiB(gateway.pid);
    const plateau = await probe();
    record(
      `${streams} ${dialect} streams open (${opened} ok; RSS ${beforeProbe.toFixed(1)} before probing)`,
      plateau,
    );
    const decoder = new TextDecoder();
    const texts = await Promise.all(
      readers.map(async (reader, i) => {
        let text = firsts[i]?.value ? decoder.decode(firsts[i]?.value) : "";
        for (;;) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) return text;
          text += decoder.decode(chunk.value);
        }
      }),
    );
    clearInterval(sampler);
    const closed = texts.filter((text) => text.includes("[DONE]") || text.includes("message_stop")).length;
    rows.push(
      `| ${dialect}: ${closed} of ${streams} streams closed properly; peak RSS ${peak.toFixed(1)} MiB |`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    record(`after the ${dialect} streams`, await probe());
  }
} finally {
  await gateway.stop();
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
}
console.log(
  `\nMemory of one gateway (${spec}), ${streams} streams per dialect, deltas ${deltaMs} ms apart; MiB\n`,
);
console.log(
  "| moment | RSS | heap total | heap used | new space | old space | code space | external | array buffers | RSS - heap - external |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const line of rows) console.log(line);
