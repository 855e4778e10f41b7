import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { connectRedis } from "../src/store/redis.js";
import { type RedisServer, startRedisServer } from "./helpers/redis-server.js";
import { waitFor } from "./helpers/wait.js";

describe("the shared Redis connection (REDIS_URL)", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer({ password: "s3cret-token" });
  });
  afterAll(async () => redis.stop());

  it("connects with the URL's auth token, fails fast while Redis is down, and heals when it returns", async () => {
    const env: NodeJS.ProcessEnv = { REDIS_URL: redis.url };
    const config = loadConfig(env);
    expect(env.REDIS_URL).toBeUndefined();
    expect(String(config.REDIS_URL)).toBe("[redacted]");
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const client = await connectRedis(config.REDIS_URL ?? expect.fail("no REDIS_URL"), log);
    try {
      await waitFor(() => client.status === "ready");
      await client.set("k", "v");
      expect(await client.get("k")).toBe("v");

      await redis.stop();
      const started = Date.now();
      await expect(client.get("k")).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_500);
      await waitFor(() => lines.some((line) => line.includes("Redis is unreachable")));

      await redis.start();
      await waitFor(() => client.status === "ready", 10_000);
      await client.set("k", "again");
      expect(await client.get("k")).toBe("again");
      expect(lines.some((line) => line.includes("Redis is reachable again"))).toBe(true);
      expect(lines.join("\n")).not.toContain("s3cret-token");
    } finally {
      client.disconnect();
    }
  });

  it("refuses a URL that is not redis:// or rediss:// with one line naming REDIS_URL, without echoing it", () => {
    expect(() => loadConfig({ REDIS_URL: "http://user:hunter2@cache:6379" })).toThrow(
      /^Invalid configuration: REDIS_URL: must start with redis:\/\/ or rediss:\/\//,
    );
    try {
      loadConfig({ REDIS_URL: "redis://user:hunter2@cache:6379/x" });
      expect.fail("accepted");
    } catch (error) {
      expect(String(error)).toContain("REDIS_URL");
      expect(String(error)).not.toContain("hunter2");
    }
  });
});
