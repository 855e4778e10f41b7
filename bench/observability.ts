/**
 * `npm run bench` (also `npx tsx bench/observability.ts`): what observability costs, in one run of
 * bench/run.ts with four gateways side by side: none of it on (the default), Prometheus metrics on
 * (METRICS_PORT), CloudWatch EMF lines on (CLOUDWATCH_EMF), and OpenTelemetry traces on, every request
 * sampled and exported over OTLP/HTTP to a receiver started here that accepts and drops the batches.
 * Chat and streamed chat at c=16 (BENCH_CONCURRENCY, BENCH_MODES and BENCH_SECONDS still apply).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { freeLoopbackPort } from "../test/helpers/redis-server.js";

const receiver = createServer((request, response) => {
  request.resume();
  request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end("{}"));
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
let exported = 0;
receiver.on("request", () => exported++);
const otlp = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
const metricsPort = await freeLoopbackPort();

const specs = [
  "lean",
  `lean+METRICS_PORT=${metricsPort}`,
  "lean+CLOUDWATCH_EMF=true",
  `lean+OTEL_EXPORTER_OTLP_ENDPOINT=${otlp}+OTEL_TRACES_SAMPLER=always_on`,
];
console.log("Observability on and off: one gateway per setting, same run (bench/observability.ts)\n");
const run = spawn(process.execPath, ["--import", "tsx", "bench/run.ts"], {
  stdio: "inherit",
  env: {
    ...process.env,
    BENCH_TRANSPORTS: specs.join(","),
    BENCH_MODES: process.env.BENCH_MODES ?? "non-stream,stream",
    BENCH_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? "16",
    BENCH_PEER: "none",
    BENCH_SWEEP_DELTAS: "",
  },
});
const code = await new Promise<number>((resolve) => run.once("exit", (exit) => resolve(exit ?? 1)));
console.log(`\nOTLP export requests received during the run: ${exported}`);
receiver.close();
process.exit(code);
