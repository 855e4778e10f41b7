/**
 * `npm run bench:auth` (also run by `npm run bench`): what authentication costs.
 * 1. One key check in-process: header parsing + salted digest + constant-time compare, in µs.
 * 2. A chat request through a gateway without and with a key (same emulator, same run, alternated),
 *    at concurrency 1: added latency and the gateway's CPU time per request. Also with a 10,000-key store
 *    whose key has rpm, tpm and max_concurrent limits, counted in memory and in Redis (a redis-server
 *    started for the run on a free loopback port).
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { presentedKey } from "../src/auth/credentials.js";
import { loadKeyVerifier } from "../src/auth/load.js";
import { loadConfig } from "../src/config/index.js";
import { EMULATOR_CREDENTIALS } from "../src/emulator/server.js";
import { startRedisServer } from "../test/helpers/redis-server.js";
import { cpuMillis, startNode } from "./processes.js";

/** A key store of `size` entries, one of them (with generous limits, never reached) for `key`. */
function keyStoreWith(key: string, size: number): string {
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  const entries: unknown[] = Array.from({ length: size - 1 }, (_, index) => ({
    name: `team-${index}`,
    sha256: sha256(randomBytes(32).toString("base64url")),
    rpm: 1000,
  }));
  entries.push({
    name: "bench",
    sha256: sha256(key),
    rpm: 10_000_000,
    tpm: 1_000_000_000,
    max_concurrent: 64,
  });
  return JSON.stringify(entries);
}

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const twoCores = cpus().length >= 2;

/** Median over batches of µs per call. */
function microseconds(call: () => void, batches = 30, perBatch = 10_000): number {
  for (let i = 0; i < perBatch; i++) call();
  const results: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) call();
    results.push(Number(process.hrtime.bigint() - start) / 1000 / perBatch);
  }
  return results.sort((a, b) => a - b)[Math.floor(results.length / 2)] ?? Number.NaN;
}

async function keyCheck() {
  const key = randomBytes(48).toString("base64url");
  const verifier = await loadKeyVerifier(loadConfig({ API_KEY: key }));
  if (!verifier) throw new Error("no verifier");
  const wrong = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
  const headers = ["host", "127.0.0.1", "content-type", "application/json", "authorization", `Bearer ${key}`];
  const directory = mkdtempSync(join(tmpdir(), `aegis-bench-keys-${process.pid}-`));
  writeFileSync(join(directory, "keys.json"), keyStoreWith(key, 10_000));
  const storeVerifier = await loadKeyVerifier(
    loadConfig({ API_KEY: wrong, API_KEYS_FILE: join(directory, "keys.json") }),
  );
  rmSync(directory, { recursive: true, force: true });
  if (!storeVerifier) throw new Error("no verifier");
  const now = Date.now();
  let sink = 0;
  const rows = [
    [
      "verify(right key)",
      microseconds(() => {
        sink += verifier.verify(key, now) ? 1 : 0;
      }),
    ],
    [
      "verify(wrong key, same length)",
      microseconds(() => {
        sink += verifier.verify(wrong, now) ? 1 : 0;
      }),
    ],
    [
      "verify(right key), 10,000-key store + API_KEY",
      microseconds(() => {
        sink += storeVerifier.verify(key, now) ? 1 : 0;
      }),
    ],
    [
      "verify(wrong key), 10,000-key store + API_KEY",
      microseconds(() => {
        sink += storeVerifier.verify(`${key}x`, now) ? 1 : 0;
      }),
    ],
    [
      "read headers + verify (what the hook does)",
      microseconds(() => {
        const presented = presentedKey(headers);
        if (presented.kind === "key") sink += verifier.verify(presented.key, now) ? 1 : 0;
      }),
    ],
  ] as const;
  // Right-key checks count one each; the sum proves the calls ran and were not optimised away.
  if (sink === 0) throw new Error("checks never ran");
  console.log(`\nOne key check (${key.length}-character key), median of 30 batches of 10,000:\n`);
  console.log("| check | µs |");
  console.log("| --- | --- |");
  for (const [name, value] of rows) console.log(`| ${name} | ${value.toFixed(2)} |`);
}

async function chatWithAndWithoutKey() {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
  const loadCpu = twoCores ? 1 : undefined;
  const gatewayCpu = twoCores ? 0 : undefined;
  const emulator = await startNode(
    "dist/emulator/main.js",
    { EMULATOR_PORT: "4321" },
    "http://127.0.0.1:4321/__emulator/stats",
    loadCpu,
  );
  const gatewayEnv = {
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL: "http://127.0.0.1:4321",
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  };
  const key = randomBytes(48).toString("base64url");
  const redis = await startRedisServer();
  const directory = mkdtempSync(join(tmpdir(), `aegis-bench-keys-${process.pid}-`));
  const store = join(directory, "keys.json");
  writeFileSync(store, keyStoreWith(key, 10_000));
  const targets: { name: string; port: number; env: Record<string, string> }[] = [
    { name: "no key", port: 4322, env: {} },
    { name: "API_KEY", port: 4323, env: { API_KEY: key } },
    { name: "10,000-key store + limits in memory", port: 4324, env: { API_KEYS_FILE: store } },
    {
      name: "10,000-key store + limits in Redis",
      port: 4325,
      env: { API_KEYS_FILE: store, REDIS_URL: redis.url },
    },
  ];
  const gateways = [];
  try {
    for (const target of targets) {
      gateways.push(
        await startNode(
          "dist/main.js",
          { ...gatewayEnv, ...target.env, PORT: String(target.port) },
          `http://127.0.0.1:${target.port}/health`,
          gatewayCpu,
        ),
      );
    }
    const body = JSON.stringify({
      model: "amazon.nova-micro-v1:0",
      messages: [{ role: "user", content: "Tell me about the gateway" }],
    });
    const run = (port: number, duration: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}/v1/chat/completions`,
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body,
        connections: 1,
        duration,
      });
    for (const target of targets) await run(target.port, 1);
    const totals = targets.map(() => ({ requests: 0, cpu: 0, latency: 0, p50: [] as number[], errors: 0 }));
    // Alternate the two gateways so drift on a shared machine hits both alike.
    for (let round = 0; round < 2; round++) {
      for (const [index, target] of targets.entries()) {
        const gateway = gateways[index];
        if (!gateway) continue;
        const before = cpuMillis(gateway.pid);
        const result = await run(target.port, seconds / 2);
        const total = totals[index];
        if (!total) continue;
        total.cpu += cpuMillis(gateway.pid) - before;
        total.requests += result.requests.total;
        total.latency += result.latency.average * result.requests.total;
        total.p50.push(result.latency.p50);
        total.errors += result.non2xx + result.errors;
      }
    }
    console.log(`\nChat completion at concurrency 1, ${seconds} s per gateway, ${cpus().length} cores:\n`);
    console.log("| gateway | requests | errors | mean ms | p50 ms (per round) | gateway CPU ms/req |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const [index, target] of targets.entries()) {
      const total = totals[index];
      if (!total) continue;
      console.log(
        `| ${target.name} | ${total.requests} | ${total.errors} | ${(total.latency / total.requests).toFixed(3)} | ${total.p50.join(", ")} | ${(total.cpu / total.requests).toFixed(3)} |`,
      );
    }
    const [plain, ...keyed] = totals;
    for (const [index, other] of keyed.entries()) {
      if (!plain || !other) continue;
      const added = other.latency / other.requests - plain.latency / plain.requests;
      const cpu = other.cpu / other.requests - plain.cpu / plain.requests;
      console.log(
        `\nAdded by ${targets[index + 1]?.name}: mean ${added.toFixed(3)} ms, CPU ${cpu.toFixed(3)} ms per request`,
      );
    }
    console.log("(differences below about 0.05 ms are within the noise of this measurement)");
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await emulator.stop();
    await redis.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main() {
  await keyCheck();
  if (process.env.BENCH_AUTH_MICRO_ONLY !== "1") await chatWithAndWithoutKey();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
