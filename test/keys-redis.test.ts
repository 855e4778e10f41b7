import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { emulatorEnvironment } from "./helpers/gateway.js";
import { keyStoreFile, sha256, storeKey } from "./helpers/key-store.js";
import { type RedisServer, startRedisServer } from "./helpers/redis-server.js";
import { type MainProcess, runMain, startMain } from "./helpers/spawn.js";
import { waitFor } from "./helpers/wait.js";

/**
 * Limits shared by two gateway processes through one real redis-server: every count below holds across
 * both, as it would across instances behind a load balancer.
 */
const rpmKey = storeKey();
const concurrentKey = storeKey();
const unlimitedKey = storeKey();
const retryKey = storeKey();
let emulator: Emulator;
let redis: RedisServer;
let file: Awaited<ReturnType<typeof keyStoreFile>>;
const gateways: MainProcess[] = [];
let pair: [MainProcess, MainProcess];

async function gateway(env: Record<string, string> = {}) {
  const started = await startMain({
    ...emulatorEnvironment(emulator),
    API_KEYS_FILE: file.path,
    REDIS_URL: redis.url,
    ...env,
  });
  gateways.push(started);
  return started;
}

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  redis = await startRedisServer({ password: `token-${process.pid}` });
  file = await keyStoreFile([
    { name: "rpm-10", sha256: sha256(rpmKey), rpm: 10 },
    { name: "two-at-once", sha256: sha256(concurrentKey), max_concurrent: 2 },
    { name: "unlimited", sha256: sha256(unlimitedKey) },
    { name: "retried", sha256: sha256(retryKey), rpm: 1 },
  ]);
  pair = [await gateway(), await gateway()];
}, 120_000);
afterAll(async () => {
  for (const started of gateways) await started.stop();
  await redis.stop();
  await file.remove();
  await emulator.close();
});

const chatBody = (content = "hi", stream = false) =>
  JSON.stringify({ model: "amazon.nova-micro-v1:0", messages: [{ role: "user", content }], stream });

function post(target: MainProcess, key: string, body = chatBody()) {
  return fetch(`${target.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body,
  });
}

const alive = (target: MainProcess) => target.process.exitCode === null && target.process.signalCode === null;

describe("limits shared through Redis by two gateway processes", () => {
  it("rpm 10: exactly 10 successes across both, then 429s with a correct retry-after", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => post(pair[index % 2] as MainProcess, rpmKey)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
    for (const answer of answers.filter((each) => each.status === 429)) {
      // One request comes back every 6 s at 10 a minute.
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(5);
      expect(Number(answer.headers.get("retry-after"))).toBeLessThanOrEqual(6);
      expect(answer.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(await answer.json()).toMatchObject({
        error: { type: "rate_limit_error", code: "rate_limit_exceeded" },
      });
    }
  });

  it("the official clients see typed RateLimitErrors; a client with retries succeeds once the window passes", async () => {
    const [first, second] = pair;
    expect((await post(first, retryKey)).status).toBe(200);
    const anthropic = new Anthropic({ baseURL: `${second.url}/anthropic`, apiKey: retryKey, maxRetries: 0 });
    const refused = await anthropic.messages
      .create({ model: "claude-haiku-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    const headers = (refused as InstanceType<typeof Anthropic.RateLimitError>).headers;
    expect(headers?.get("anthropic-ratelimit-requests-limit")).toBe("1");
    const noRetries = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: retryKey, maxRetries: 0 });
    const chat = () =>
      noRetries.chat.completions.create({
        model: "amazon.nova-micro-v1:0",
        messages: [{ role: "user", content: "x" }],
      });
    await expect(chat()).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    // The rpm-10 key spent its minute in the first test: one request comes back every 6 s, and the SDK
    // waits what retry-after-ms says before its retry.
    const started = Date.now();
    const patient = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: rpmKey, maxRetries: 2 });
    const answer = await patient.chat.completions.create({
      model: "amazon.nova-micro-v1:0",
      messages: [{ role: "user", content: "eventually" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Echo: eventually");
    expect(Date.now() - started).toBeGreaterThan(1_000);
  }, 30_000);

  it("max_concurrent 2 holds across both with slow streams, and frees the slots when they end", async () => {
    const [first, second] = pair;
    const slow = chatBody("slow @@slow:300 stream", true);
    const streams = [await post(first, concurrentKey, slow), await post(second, concurrentKey, slow)];
    expect(streams.map((stream) => stream.status)).toEqual([200, 200]);
    const third = await post(first, concurrentKey);
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ error: { code: "rate_limit_exceeded" } });
    expect((await post(second, concurrentKey)).status).toBe(429);
    await Promise.all(streams.map((stream) => stream.text()));
    let status = 0;
    const deadline = Date.now() + 5_000;
    while (status !== 200 && Date.now() < deadline) status = (await post(second, concurrentKey)).status;
    expect(status).toBe(200);
  });

  it("REDIS_URL_SECRETSMANAGER_SECRET supplies the auth token; without it limited keys get 503", async () => {
    const bare = `redis://127.0.0.1:${redis.port}`;
    emulator.setSecret("aegis/redis-token", {
      string: JSON.stringify({ auth_token: `token-${process.pid}` }),
    });
    const withToken = await gateway({
      REDIS_URL: bare,
      REDIS_URL_SECRETSMANAGER_SECRET: "aegis/redis-token",
    });
    const withoutToken = await gateway({ REDIS_URL: bare });
    expect((await post(withToken, concurrentKey)).status).toBe(200);
    expect((await post(withoutToken, concurrentKey)).status).toBe(503);
    const missing = await runMain({
      ...emulatorEnvironment(emulator),
      API_KEYS_FILE: file.path,
      REDIS_URL: bare,
      REDIS_URL_SECRETSMANAGER_SECRET: "aegis/no-such-secret",
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'aegis: cannot read the Redis auth token from Secrets Manager secret "aegis/no-such-secret": it does not exist\n',
    );
  }, 60_000);

  it("Redis down: limited keys get 503 (or are served unlimited with RATE_LIMIT_FAIL_OPEN), nothing crashes, and it heals", async () => {
    const open = await gateway({ RATE_LIMIT_FAIL_OPEN: "true" });
    const [closed] = pair;
    await redis.stop();
    try {
      const refused = await post(closed, concurrentKey);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({
        error: { type: "service_unavailable_error", code: "rate_limit_store_unavailable" },
      });
      expect(refused.headers.get("retry-after")).toBe("1");
      // A key without limits needs no counter.
      expect((await post(closed, unlimitedKey)).status).toBe(200);
      expect((await post(open, concurrentKey)).status).toBe(200);
      await waitFor(() => open.output().includes("serving without limits (RATE_LIMIT_FAIL_OPEN=true)"));
      // Wrong keys are still counted (in memory meanwhile): the brute-force guard never fails open.
      expect((await post(closed, storeKey())).status).toBe(401);
    } finally {
      await redis.start();
    }
    let status = 0;
    const deadline = Date.now() + 15_000;
    while (status !== 200 && Date.now() < deadline) {
      status = (await post(closed, concurrentKey)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    expect(gateways.every(alive)).toBe(true);
    await waitFor(() => closed.output().includes("Redis is reachable again"));
    for (const started of gateways) {
      expect(started.output()).not.toContain(`token-${process.pid}`);
      for (const key of [rpmKey, concurrentKey, unlimitedKey, retryKey])
        expect(started.output()).not.toContain(key);
    }
  }, 60_000);
});
