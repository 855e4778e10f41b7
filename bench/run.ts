/**
 * `npm run bench`: the same chat and embeddings requests sent to the emulator directly and through the
 * gateway, in one run.
 * The gateway is pinned to CPU 0, the emulator and the load generator to CPU 1 (when there are two cores),
 * and the gateway's own CPU time per request is read from /proc. Prints a Markdown table.
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { SignatureV4 } from "@smithy/signature-v4";
import autocannon from "autocannon";
import { EMULATOR_CREDENTIALS } from "../src/emulator/server.js";
import { Sha256 } from "../src/emulator/sha256.js";
import { cpuMillis, rssMiB, startNode } from "./processes.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "1,16,64").split(",").map(Number);
const model = "amazon.nova-micro-v1:0";
const twoCores = cpus().length >= 2;
const gatewayCpu = twoCores ? 0 : undefined;
const loadCpu = twoCores ? 1 : undefined;
if (twoCores) execFileSync("taskset", ["-cp", String(loadCpu), String(process.pid)], { stdio: "ignore" });

const question = "Tell me about the gateway @@deltas:8";
const converseBody = JSON.stringify({ messages: [{ role: "user", content: [{ text: question }] }] });
const chatBody = (stream: boolean) =>
  JSON.stringify({ model, stream, messages: [{ role: "user", content: question }] });

/** One signed request, replayed: the emulator checks the signature, not its freshness. */
async function signedPost(base: string, path: string, body: string) {
  const url = new URL(`${base}${path}`);
  const signer = new SignatureV4({
    credentials: EMULATOR_CREDENTIALS,
    region: "us-east-1",
    service: "bedrock",
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host, "content-type": "application/json" },
    body,
  });
  return { url: url.toString(), headers: signed.headers as Record<string, string>, body };
}

interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One row group of the table: the same work asked of Bedrock directly and of the gateway. */
interface Mode {
  name: string;
  direct(): Promise<Target>;
  gateway: Target;
}

const gatewayHeaders = { "content-type": "application/json", authorization: "Bearer bench" };
const emulatorUrl = "http://127.0.0.1:4311";
const gatewayUrl = "http://127.0.0.1:4312";

const chatMode = (stream: boolean): Mode => ({
  name: stream ? "stream (8 deltas)" : "non-stream",
  direct: () =>
    signedPost(
      emulatorUrl,
      `/model/${encodeURIComponent(model)}/${stream ? "converse-stream" : "converse"}`,
      converseBody,
    ),
  gateway: { url: `${gatewayUrl}/v1/chat/completions`, headers: gatewayHeaders, body: chatBody(stream) },
});

// One text: one InvokeModel call either way, so the rows compare like with like.
const embeddingModel = "amazon.titan-embed-text-v2:0";
const embeddingText = "How much does the gateway add to an embeddings call?";
const embeddingsMode: Mode = {
  name: "embeddings (Titan v2, 1 text)",
  direct: () =>
    signedPost(
      emulatorUrl,
      `/model/${encodeURIComponent(embeddingModel)}/invoke`,
      JSON.stringify({ inputText: embeddingText }),
    ),
  gateway: {
    url: `${gatewayUrl}/v1/embeddings`,
    headers: gatewayHeaders,
    body: JSON.stringify({ model: embeddingModel, input: embeddingText, encoding_format: "float" }),
  },
};

interface Row {
  target: string;
  mode: string;
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpuPerRequest?: number;
  rss?: number;
}

async function load(url: string, headers: Record<string, string>, body: string, concurrency: number) {
  const result = await autocannon({
    url,
    method: "POST",
    headers,
    body,
    connections: concurrency,
    duration: seconds,
  });
  return result;
}

async function main() {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
  const emulator = await startNode(
    "dist/emulator/main.js",
    { EMULATOR_PORT: "4311" },
    "http://127.0.0.1:4311/__emulator/stats",
    loadCpu,
  );
  const gateway = await startNode(
    "dist/main.js",
    {
      PORT: "4312",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:4311",
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      ...(process.env.BENCH_GATEWAY_ENV ? JSON.parse(process.env.BENCH_GATEWAY_ENV) : {}),
    },
    "http://127.0.0.1:4312/health",
    gatewayCpu,
  ).catch(async (error) => {
    await emulator.stop();
    throw error;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));

  const rows: Row[] = [];
  try {
    for (const { name: mode, direct: signDirect, gateway: viaGateway } of [
      chatMode(false),
      chatMode(true),
      embeddingsMode,
    ]) {
      const direct = await signDirect();
      // Warm both paths (JIT, connection pools) before measuring.
      await load(viaGateway.url, viaGateway.headers, viaGateway.body, 8);
      for (const concurrency of concurrencies) {
        const d = await load(direct.url, direct.headers, direct.body, concurrency);
        rows.push({
          target: "emulator direct",
          mode,
          concurrency,
          rps: d.requests.average,
          p50: d.latency.p50,
          p99: d.latency.p99,
          errors: d.non2xx + d.errors,
        });
        const cpuBefore = cpuMillis(gateway.pid);
        const g = await load(viaGateway.url, viaGateway.headers, viaGateway.body, concurrency);
        const cpu = cpuMillis(gateway.pid) - cpuBefore;
        rows.push({
          target: "aegis",
          mode,
          concurrency,
          rps: g.requests.average,
          p50: g.latency.p50,
          p99: g.latency.p99,
          errors: g.non2xx + g.errors,
          cpuPerRequest: cpu / Math.max(1, g.requests.total),
          rss: rssMiB(gateway.pid),
        });
      }
    }
  } finally {
    await gateway.stop();
    await emulator.stop();
  }
  print(rows);
}

function print(rows: Row[]) {
  const fixed = (value: number | undefined, digits = 2) => (value === undefined ? "" : value.toFixed(digits));
  console.log(`\n${seconds} s per cell, ${cpus().length} cores, node ${process.version}\n`);
  console.log(
    "| mode | c | target | req/s | p50 ms | p99 ms | errors | gateway CPU ms/req | gateway RSS MiB | added p50 ms | req/s ratio |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) {
    const direct = rows.find(
      (r) => r.target === "emulator direct" && r.mode === row.mode && r.concurrency === row.concurrency,
    );
    const isGateway = row.target !== "emulator direct";
    console.log(
      `| ${row.mode} | ${row.concurrency} | ${row.target} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.errors} | ${fixed(row.cpuPerRequest, 3)} | ${fixed(row.rss, 0)} | ${isGateway && direct ? fixed(row.p50 - direct.p50) : ""} | ${isGateway && direct ? fixed(row.rps / direct.rps) : ""} |`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
