/**
 * `npm run bench:auth` (also run by `npm run bench`): what authentication costs.
 * 1. One key check in-process: header parsing + salted digest + constant-time compare, in µs. Then one
 *    request's limit updates in-process (slot and rpm, tpm, release with a token correction), in CPU µs:
 *    counters in memory, in Redis one update at a time, and in Redis through leases.
 * 2. A chat request through a gateway without and with a key (same emulator, same run, alternated),
 *    at concurrency 1: added latency and the gateway's CPU time per request. Also with a 10,000-key store
 *    whose key has rpm, tpm and max_concurrent limits, counted in memory and in Redis (a redis-server
 *    started for the run on a free loopback port). The gateways take turns in short rounds; what each adds
 *    is the median over rounds of its CPU per request less that of the gateway without a key in the same
 *    round, so load from elsewhere on a shared machine, which drifts over seconds, cancels out.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pino from "pino";
import { presentedKey } from "../src/auth/credentials.js";
import { loadKeyVerifier } from "../src/auth/load.js";
import { loadConfig } from "../src/config/index.js";
import { SecretBytes } from "../src/config/secret.js";
import { EMULATOR_CREDENTIALS } from "../src/emulator/server.js";
import type { LimitCounters } from "../src/limits/counters.js";
import { leasedCounters } from "../src/limits/leased-counters.js";
import { memoryCounters } from "../src/limits/memory-counters.js";
import { redisCounters } from "../src/store/limit-counters.js";
import { connectRedis } from "../src/store/redis.js";
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

/**
 * Lua scripts Redis has run so far (INFO commandstats: EVALSHA and EVAL calls). Every limit update is one
 * script and one round trip (only a release without a token correction is a plain ZREM), so this counts
 * round trips without timing noise.
 */
function redisScripts(port: number): number {
  const info = execFileSync("redis-cli", ["-p", String(port), "INFO", "commandstats"], { encoding: "utf8" });
  const calls = (command: string) =>
    Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  return calls("evalsha") + calls("eval");
}

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
/** Rounds each gateway's time is cut into, the gateways alternated within each round. */
const rounds = Number(process.env.BENCH_ROUNDS ?? 8);
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

/** Median over 9 batches of the process's CPU µs per call of `call` (awaited one after another). */
async function cpuMicroseconds(call: () => Promise<void>, perBatch: number): Promise<number> {
  for (let i = 0; i < Math.min(200, perBatch); i++) await call();
  const results: number[] = [];
  for (let batch = 0; batch < 9; batch++) {
    const start = process.cpuUsage();
    for (let i = 0; i < perBatch; i++) await call();
    const used = process.cpuUsage(start);
    results.push((used.user + used.system) / perBatch);
  }
  return results.sort((a, b) => a - b)[4] ?? Number.NaN;
}

/** What the limit updates of one request cost this process, with the bench key's limits. */
async function limitUpdates() {
  const slot = { id: "bench:concurrent", max: 64 };
  const rpm = { id: "bench:rpm", capacity: 10_000_000, cost: 1 };
  const tpm = { id: "bench:tpm", capacity: 1_000_000_000, cost: 10 };
  let requests = 0;
  const request = (counters: LimitCounters) => async () => {
    const holder = `r${++requests}`;
    await counters.admit({ ...slot, holder }, [rpm]);
    await counters.take([tpm]);
    await counters.release({ id: slot.id, holder }, { bucket: tpm, delta: 20 });
  };
  const redis = await startRedisServer();
  const client = await connectRedis(new SecretBytes(redis.url), pino({ level: "silent" }));
  if (client.status !== "ready") await new Promise((ready) => client.once("ready", ready));
  const plain = redisCounters(client, () => {});
  const leased = leasedCounters(redisCounters(client, () => {}));
  try {
    const rows = [
      ["memory", await cpuMicroseconds(request(memoryCounters()), 20_000)],
      ["Redis, one update at a time", await cpuMicroseconds(request(plain), 500)],
      ["Redis through leases", await cpuMicroseconds(request(leased), 20_000)],
    ] as const;
    console.log("\nOne request's limit updates in-process (admit, take, release), median of 9 batches:\n");
    console.log("| counters | CPU µs per request |");
    console.log("| --- | --- |");
    for (const [name, value] of rows) console.log(`| ${name} | ${value.toFixed(1)} |`);
  } finally {
    await plain.close();
    await leased.close();
    client.disconnect();
    await redis.stop();
  }
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
    const totals = targets.map(() => ({
      requests: 0,
      cpu: 0,
      latency: 0,
      errors: 0,
      perRound: [] as number[],
    }));
    const redisIndex = targets.findIndex((target) => target.env.REDIS_URL !== undefined);
    let scripts = 0;
    // Alternate the gateways in short rounds so drift on a shared machine hits all alike.
    for (let round = 0; round < rounds; round++) {
      for (const [index, target] of targets.entries()) {
        const gateway = gateways[index];
        const total = totals[index];
        if (!gateway || !total) continue;
        const counted = index === redisIndex ? redisScripts(redis.port) : 0;
        const before = cpuMillis(gateway.pid);
        const result = await run(target.port, seconds / rounds);
        const cpu = cpuMillis(gateway.pid) - before;
        if (index === redisIndex) scripts += redisScripts(redis.port) - counted;
        total.cpu += cpu;
        total.requests += result.requests.total;
        total.latency += result.latency.average * result.requests.total;
        total.errors += result.non2xx + result.errors;
        total.perRound.push(cpu / Math.max(1, result.requests.total));
      }
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1
        ? (sorted[middle] as number)
        : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
    };
    const plain = totals[0];
    console.log(
      `\nChat completion at concurrency 1, ${seconds} s per gateway in ${rounds} alternated rounds, ${cpus().length} cores:\n`,
    );
    console.log(
      "| gateway | requests | errors | mean ms | gateway CPU ms/req | added CPU ms/req (median of rounds) | added, min–max of rounds |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const [index, target] of targets.entries()) {
      const total = totals[index];
      if (!total || !plain) continue;
      const added = total.perRound.map((cpu, round) => cpu - (plain.perRound[round] as number));
      const columns =
        index === 0
          ? ["", ""]
          : [median(added).toFixed(3), `${Math.min(...added).toFixed(3)} – ${Math.max(...added).toFixed(3)}`];
      console.log(
        `| ${target.name} | ${total.requests} | ${total.errors} | ${(total.latency / total.requests).toFixed(3)} | ${(total.cpu / total.requests).toFixed(3)} | ${columns.join(" | ")} |`,
      );
    }
    console.log("(one round's difference is noisy on a shared machine: read the median)");
    const redisTotal = totals[redisIndex];
    if (redisTotal)
      console.log(
        `\nRedis round trips (Lua scripts) per request with limits in Redis: ${(scripts / redisTotal.requests).toFixed(3)} (${scripts} for ${redisTotal.requests} requests)`,
      );
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await emulator.stop();
    await redis.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main() {
  await keyCheck();
  await limitUpdates();
  if (process.env.BENCH_AUTH_MICRO_ONLY !== "1") await chatWithAndWithoutKey();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
