/**
 * `npm run bench`: the same chat and embeddings requests sent to the emulator directly and through the
 * gateway with each Bedrock transport (BEDROCK_TRANSPORT=sdk and lean), in one run. The gateways are pinned
 * to CPU 0, the emulator and the load generator to CPU 1 (when there are two cores); each gateway's own CPU
 * time per request is read from /proc, and the emulator counts the connections each gateway opened.
 * The whole table is measured BENCH_ROUNDS times, short cells, the targets of a cell in alternating order,
 * and each figure is the median over the rounds (a ratio: the median of its per-round ratios), so a slow
 * spell of this shared machine moves one round of one cell, not the result. Prints Markdown tables, the
 * ratios the performance targets are stated in, and whether each is met.
 *
 * BENCH_SECONDS (1.5, per cell and round), BENCH_ROUNDS (3), BENCH_CONCURRENCY (1,16,64),
 * BENCH_MODES (non-stream,stream,embeddings; also
 * anthropic-non-stream and anthropic-stream, the same calls through the Anthropic Messages API, and
 * responses-non-stream and responses-stream, the same calls through the OpenAI Responses API, unstored),
 * BENCH_TRANSPORTS (sdk,lean; a transport may carry extra gateway settings for an A/B run in the same
 * invocation, e.g. lean,lean+LOG_LEVEL=warn),
 * BENCH_PROFILE=DIR (write a V8 CPU profile of each gateway there; see bench/profile-summary.ts),
 * BENCH_GATEWAY_ENV (JSON object of extra gateway environment variables),
 * BENCH_PEER (portkey, the default: Portkey's open-source gateway as a column of the chat cells, see
 * bench/peer.ts; none to leave it out), BENCH_PEER_WARMUP (20 s of load before its first cell),
 * BENCH_SWEEP_DELTAS (1,8,32,100: streams of that many deltas on both routes through every lean gateway, at
 * BENCH_SWEEP_CONCURRENCY 16, one cell of BENCH_SWEEP_SECONDS 4 each; CPU per request against deltas gives the
 * per-delta cost; empty to skip),
 * BENCH_PORT_BASE (4311: the emulator's port; the gateways take the next ones, the peer base + 90, and the
 * peer's emulator port 80 of a loopback address made from the base, see bench/peer.ts).
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { load as autocannon, type LoadResult } from "./load.js";
import { installPeer, peerEmulatorHost, peerHeaders, peerVersion, startPeer } from "./peer.js";
import {
  cpuMillis,
  rssMiB,
  type Service,
  startGateway as startGatewayProcess,
  startNode,
} from "./processes.js";
import { signedPost as signedAt, type Target } from "./signed.js";
import {
  medianRow,
  printRatios,
  printSweep,
  printTable,
  type Round,
  type Row,
  type SweepPoint,
} from "./table.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 1.5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
/** The sweep's cells: one of this many seconds per point (the fit through the points does the smoothing). */
const sweepSeconds = Number(process.env.BENCH_SWEEP_SECONDS ?? 4);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "1,16,64").split(",").map(Number);
const transports = (process.env.BENCH_TRANSPORTS ?? "sdk,lean").split(",").map((name) => name.trim());
const modeNames = (
  process.env.BENCH_MODES ??
  "non-stream,stream,anthropic-non-stream,anthropic-stream,responses-non-stream,responses-stream,embeddings"
)
  .split(",")
  .map((name) => name.trim());
const profileDir = process.env.BENCH_PROFILE;
const peer = (process.env.BENCH_PEER ?? "portkey").trim();
if (peer !== "portkey" && peer !== "none") throw new Error("BENCH_PEER is portkey or none");
const peerWarmup = Number(process.env.BENCH_PEER_WARMUP ?? 20);
const sweepDeltas = (process.env.BENCH_SWEEP_DELTAS ?? "1,8,32,100")
  .split(",")
  .filter((value) => value.trim() !== "")
  .map(Number);
const sweepConcurrency = Number(process.env.BENCH_SWEEP_CONCURRENCY ?? 16);
const model = "amazon.nova-micro-v1:0";
const twoCores = cpus().length >= 2;
const gatewayCpu = twoCores ? 0 : undefined;
const loadCpu = twoCores ? 1 : undefined;
if (twoCores) execFileSync("taskset", ["-cp", String(loadCpu), String(process.pid)], { stdio: "ignore" });

// BENCH_PORT_BASE moves the emulator (this port) and the gateways (the next ones) off the defaults, so two
// runs on one machine never answer each other's load.
const portBase = Number(process.env.BENCH_PORT_BASE ?? 4311);
const emulatorUrl = `http://127.0.0.1:${portBase}`;
const peerHost = peerEmulatorHost(portBase);
const question = "Tell me about the gateway @@deltas:8";
const converseBody = JSON.stringify({ messages: [{ role: "user", content: [{ text: question }] }] });
const signedPost = (path: string, body: string) => signedAt(emulatorUrl, path, body);
const chatBody = (stream: boolean, text = question) =>
  JSON.stringify({ model, stream, messages: [{ role: "user", content: text }] });

/** One row group of the table: the same work asked of Bedrock directly and of a gateway. */
interface Mode {
  name: string;
  direct(): Promise<Target>;
  /** The gateway path and body. */
  path: string;
  body: string;
  /** The same request for the peer gateway, where it serves this route. */
  peer?: { path: string; body: string };
}

/** The Converse or ConverseStream call a chat mode makes, sent to the emulator directly. */
const converseDirect = (modelId: string, stream: boolean) => () =>
  signedPost(
    `/model/${encodeURIComponent(modelId)}/${stream ? "converse-stream" : "converse"}`,
    converseBody,
  );

const chatMode = (stream: boolean): Mode => ({
  name: stream ? "stream (8 deltas)" : "non-stream",
  direct: converseDirect(model, stream),
  path: "/v1/chat/completions",
  body: chatBody(stream),
  peer: { path: "/v1/chat/completions", body: chatBody(stream) },
});

// One text: one InvokeModel call either way, so the rows compare like with like.
const embeddingModel = "amazon.titan-embed-text-v2:0";
const embeddingText = "How much does the gateway add to an embeddings call?";
const embeddingsMode: Mode = {
  name: "embeddings (Titan v2, 1 text)",
  direct: () =>
    signedPost(
      `/model/${encodeURIComponent(embeddingModel)}/invoke`,
      JSON.stringify({ inputText: embeddingText }),
    ),
  path: "/v1/embeddings",
  body: JSON.stringify({ model: embeddingModel, input: embeddingText, encoding_format: "float" }),
};

// Anthropic Messages on the same Converse calls: a Bedrock id goes through the name table as given.
const claudeModel = "anthropic.claude-3-haiku-20240307-v1:0";
const messagesBody = (stream: boolean, text = question) =>
  JSON.stringify({
    model: claudeModel,
    max_tokens: 256,
    stream,
    messages: [{ role: "user", content: text }],
  });
const messagesMode = (stream: boolean): Mode => ({
  name: stream ? "anthropic stream (8 deltas)" : "anthropic non-stream",
  direct: converseDirect(claudeModel, stream),
  path: "/anthropic/v1/messages",
  body: messagesBody(stream),
});

// The Responses API on the same Converse calls; store: false so the rows compare the translation with chat's.
const responsesMode = (stream: boolean): Mode => ({
  name: stream ? "responses stream (8 deltas)" : "responses non-stream",
  direct: converseDirect(model, stream),
  path: "/v1/responses",
  body: JSON.stringify({ model, stream, store: false, input: question }),
});

const allModes: Record<string, Mode> = {
  "non-stream": chatMode(false),
  stream: chatMode(true),
  embeddings: embeddingsMode,
  "anthropic-non-stream": messagesMode(false),
  "anthropic-stream": messagesMode(true),
  "responses-non-stream": responsesMode(false),
  "responses-stream": responsesMode(true),
};

function load(target: Target, concurrency: number, duration = seconds): Promise<LoadResult> {
  return autocannon(target, concurrency, duration);
}

async function emulatorConnections(stats: string): Promise<number> {
  const response = await fetch(stats);
  return ((await response.json()) as { connections: number }).connections;
}

interface Gateway {
  transport: string;
  service: Service;
  port: number;
  /** The stats endpoint of the emulator it calls (the peer has its own). */
  stats?: string;
}

/**
 * Streams of each delta count on both routes, for the per-delta cost: through every lean gateway of the run
 * (an A/B of two builds or settings gets a sweep each), cell by cell in turn so noise falls on all alike.
 */
async function sweep(sweeping: Gateway[]): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  const routes = [
    { route: "chat", path: "/v1/chat/completions", body: (text: string) => chatBody(true, text) },
    { route: "anthropic", path: "/anthropic/v1/messages", body: (text: string) => messagesBody(true, text) },
  ];
  for (const { route, path, body } of routes) {
    for (const deltas of sweepDeltas) {
      for (const gateway of sweeping) {
        const target: Target = {
          url: `http://127.0.0.1:${gateway.port}${path}`,
          headers: { "content-type": "application/json", authorization: "Bearer bench" },
          body: body(`${"word ".repeat(Math.max(deltas, 8))}@@deltas:${deltas}`),
        };
        await load(target, 8, 1);
        const measured = await measureGateway(gateway, target, sweepConcurrency, undefined, sweepSeconds);
        points.push({
          target: `aegis ${gateway.transport}`,
          route,
          deltas,
          cpuPerRequest: measured.cpuPerRequest,
          rps: measured.result.rps,
          errors: measured.result.errors,
        });
      }
    }
  }
  return points;
}

async function startGateway(spec: string, port: number): Promise<Gateway> {
  const name = spec.replace(/\W+/g, "-");
  const profileArgs = profileDir
    ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=gateway-${name}.cpuprofile`]
    : [];
  const service = await startGatewayProcess(spec, port, emulatorUrl, gatewayCpu, profileArgs);
  return { transport: spec, service, port };
}

async function measureGateway(
  gateway: Gateway,
  target: Target,
  concurrency: number,
  stats = `${emulatorUrl}/__emulator/stats`,
  duration = seconds,
) {
  const connectionsBefore = await emulatorConnections(stats);
  const cpuBefore = cpuMillis(gateway.service.pid);
  const result = await load(target, concurrency, duration);
  const cpu = cpuMillis(gateway.service.pid) - cpuBefore;
  return {
    result,
    cpuPerRequest: cpu / Math.max(1, result.requests),
    rss: rssMiB(gateway.service.pid),
    connections: (await emulatorConnections(stats)) - connectionsBefore,
  };
}

/** One round of one cell for one target. */
function round(result: LoadResult, gateway?: Awaited<ReturnType<typeof measureGateway>>): Round {
  return {
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    errors: result.errors,
    requests: result.requests,
    // A round without one answer (a stalled machine) has no CPU per request to give.
    ...(gateway
      ? {
          ...(result.requests > 0 ? { cpuPerRequest: gateway.cpuPerRequest } : {}),
          rss: gateway.rss,
          connections: gateway.connections,
        }
      : {}),
  };
}

async function main() {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
  const emulator = await startNode(
    "dist/emulator/main.js",
    { EMULATOR_PORT: String(portBase) },
    `${emulatorUrl}/__emulator/stats`,
    loadCpu,
  );
  const gateways: Gateway[] = [];
  const rows: Row[] = [];
  let sweepPoints: SweepPoint[] = [];
  let peerGateway: Gateway | undefined;
  let peerEmulator: Service | undefined;
  try {
    for (const [index, transport] of transports.entries()) {
      gateways.push(await startGateway(transport, portBase + 1 + index));
    }
    if (peer === "portkey") {
      installPeer();
      peerEmulator = await startNode(
        "dist/emulator/main.js",
        { EMULATOR_PORT: "80", EMULATOR_HOST: peerHost },
        `http://${peerHost}:80/__emulator/stats`,
        loadCpu,
      );
      const peerPort = portBase + 90;
      peerGateway = {
        transport: `portkey ${peerVersion()}`,
        service: await startPeer(peerPort, gatewayCpu, peerHost),
        port: peerPort,
        stats: `http://${peerHost}:80/__emulator/stats`,
      };
    }
    /** Every target of every cell: what it loads, and whether it is a gateway measured from /proc. */
    interface Cell {
      mode: string;
      concurrency: number;
      target: string;
      load: Target;
      gateway?: Gateway;
    }
    const cells: Cell[][] = [];
    for (const modeName of modeNames) {
      const mode = allModes[modeName];
      if (!mode)
        throw new Error(`unknown BENCH_MODES entry ${modeName}; use ${Object.keys(allModes).join(", ")}`);
      const direct = await mode.direct();
      const via = (gateway: Gateway): Target => ({
        url: `http://127.0.0.1:${gateway.port}${mode.path}`,
        headers: { "content-type": "application/json", authorization: "Bearer bench" },
        body: mode.body,
      });
      const viaPeer = (gateway: Gateway, route: { path: string; body: string }): Target => ({
        url: `http://127.0.0.1:${gateway.port}${route.path}`,
        headers: peerHeaders(peerHost),
        body: route.body,
      });
      // Warm every path (JIT, connection pools) before measuring; the peer needs longer to settle.
      await load(direct, 8, 1);
      for (const gateway of gateways) await load(via(gateway), 8, 2);
      if (peerGateway && mode.peer) await load(viaPeer(peerGateway, mode.peer), 8, peerWarmup);
      for (const concurrency of concurrencies) {
        const cell: Cell[] = [{ mode: mode.name, concurrency, target: "emulator direct", load: direct }];
        for (const gateway of gateways) {
          cell.push({
            mode: mode.name,
            concurrency,
            target: `aegis ${gateway.transport}`,
            load: via(gateway),
            gateway,
          });
        }
        if (peerGateway && mode.peer) {
          cell.push({
            mode: mode.name,
            concurrency,
            target: peerGateway.transport,
            load: viaPeer(peerGateway, mode.peer),
            gateway: peerGateway,
          });
        }
        cells.push(cell);
      }
    }
    // The whole table once per round; within a cell, the targets in turn, in the opposite order next round.
    const measured = new Map<Cell, Round[]>();
    for (let r = 0; r < rounds; r++) {
      for (const cell of cells) {
        for (const target of r % 2 === 0 ? cell : [...cell].reverse()) {
          const result = target.gateway
            ? await measureGateway(target.gateway, target.load, target.concurrency, target.gateway.stats)
            : undefined;
          const one = result
            ? round(result.result, result)
            : round(await load(target.load, target.concurrency));
          measured.set(target, [...(measured.get(target) ?? []), one]);
        }
      }
    }
    for (const cell of cells) {
      for (const target of cell) {
        rows.push(medianRow(target.target, target.mode, target.concurrency, measured.get(target) ?? []));
      }
    }
    const lean = gateways.filter((gateway) => gateway.transport.startsWith("lean"));
    if (lean.length > 0 && sweepDeltas.length > 1) sweepPoints = await sweep(lean);
  } finally {
    for (const gateway of gateways) await gateway.service.stop();
    await peerGateway?.service.stop();
    await peerEmulator?.stop();
    await emulator.stop();
  }
  printTable(rows, { seconds, rounds, loader: "autocannon", cores: cpus().length });
  printRatios(rows);
  if (sweepPoints.length > 0) printSweep(sweepPoints, sweepConcurrency);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
