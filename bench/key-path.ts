/**
 * `npx tsx bench/key-path.ts`: the named-key path of one request in-process, in CPU µs of this process:
 * read the key from the headers, find it in a 10,000-key store, admit it (route scope, in-flight slot,
 * requests per minute, rate-limit headers), admit its model and token estimate, settle its usage and give the
 * slot back when the response closes. Counters in memory and in Redis through leases (a redis-server started
 * for the run on a free loopback port). Fastify's reply is stood in for by an object with the two things the
 * path uses (`header()` and `raw`'s events), so the figure is the path's own work, free of any server.
 *
 * For an A/B, run the same file from a copy of another tree (e.g. `git archive` of a commit, with a
 * node_modules link) alternately with this one: BENCH_KEY_PATH_ROUNDS (5) alternations are the caller's.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyReply, FastifyRequest } from "fastify";
import pino from "pino";
import { presentedKey } from "../src/auth/credentials.js";
import { loadKeyVerifier } from "../src/auth/load.js";
import type { KeyVerifier } from "../src/auth/verifier.js";
import { loadConfig } from "../src/config/index.js";
import { SecretBytes } from "../src/config/secret.js";
import type { LimitCounters } from "../src/limits/counters.js";
import { LimitEnforcer } from "../src/limits/enforcer.js";
import { leasedCounters } from "../src/limits/leased-counters.js";
import { memoryCounters } from "../src/limits/memory-counters.js";
import { routeNameOf } from "../src/limits/route-names.js";
import { redisCounters } from "../src/store/limit-counters.js";
import { connectRedis } from "../src/store/redis.js";
import { startRedisServer } from "../test/helpers/redis-server.js";
import { keyStoreWith } from "./key-store-fixture.js";

const perBatch = Number(process.env.BENCH_KEY_PATH_REQUESTS ?? 20_000);
const batches = 9;

/** A stand-in for Fastify's reply: headers set on it, and its raw response's events. */
class BenchReply {
  headers: Record<string, unknown> = {};
  raw = new EventEmitter();
  header(name: string, value: unknown) {
    this.headers[name] = value;
    return this;
  }
}

async function onePath(
  verifier: KeyVerifier,
  enforcer: LimitEnforcer,
  rawHeaders: string[],
  id: number,
): Promise<void> {
  const presented = presentedKey(rawHeaders);
  if (presented.kind !== "key") throw new Error("no key");
  const key = verifier.verify(presented.key, Date.now());
  if (key === undefined) throw new Error("key refused");
  const request = { id: `req-${id}` } as unknown as FastifyRequest;
  const reply = new BenchReply();
  const policy = await enforcer.admit(
    key,
    routeNameOf("/v1/chat/completions"),
    "openai",
    request,
    reply as unknown as FastifyReply,
  );
  await policy.admitModel({
    requested: "amazon.nova-micro-v1:0",
    resolved: "amazon.nova-micro-v1:0",
    estimatedTokens: 9,
  });
  policy.settle({ inputTokens: 9, outputTokens: 20 });
  reply.raw.emit("close");
}

async function cpuMicroseconds(call: (id: number) => Promise<void>): Promise<number[]> {
  let id = 0;
  for (let i = 0; i < perBatch; i++) await call(++id);
  const results: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const start = process.cpuUsage();
    for (let i = 0; i < perBatch; i++) await call(++id);
    const used = process.cpuUsage(start);
    results.push((used.user + used.system) / perBatch);
  }
  return results.sort((a, b) => a - b);
}

async function main() {
  const key = randomBytes(48).toString("base64url");
  const directory = mkdtempSync(join(tmpdir(), `aegis-bench-key-path-${process.pid}-`));
  writeFileSync(join(directory, "keys.json"), keyStoreWith(key, 10_000));
  const verifier = await loadKeyVerifier(loadConfig({ API_KEYS_FILE: join(directory, "keys.json") }));
  rmSync(directory, { recursive: true, force: true });
  if (!verifier) throw new Error("no verifier");
  const rawHeaders = [
    "host",
    "127.0.0.1",
    "content-type",
    "application/json",
    "authorization",
    `Bearer ${key}`,
  ];
  const log = pino({ level: "silent" });
  const enforcerOver = (counters: LimitCounters) =>
    new LimitEnforcer({ counters, failOpen: false, log, now: Date.now });

  const redis = await startRedisServer();
  const client = await connectRedis(new SecretBytes(redis.url), log);
  if (client.status !== "ready") await new Promise((ready) => client.once("ready", ready));
  const leased = leasedCounters(redisCounters(client, () => {}));
  try {
    const cells: [string, LimitCounters][] = [
      ["memory", memoryCounters()],
      ["Redis through leases", leased],
    ];
    for (const [name, counters] of cells) {
      const enforcer = enforcerOver(counters);
      const results = await cpuMicroseconds((id) => onePath(verifier, enforcer, rawHeaders, id));
      const median = results[Math.floor(results.length / 2)] as number;
      console.log(
        `key path, ${name}: ${median.toFixed(2)} CPU µs per request (min ${results[0]?.toFixed(2)}, max ${results.at(-1)?.toFixed(2)}, ${batches} batches of ${perBatch})`,
      );
    }
  } finally {
    await leased.close();
    client.disconnect();
    await redis.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
