import type { FastifyBaseLogger } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "../config/index.js";

type RedisConfig = Pick<Config, "REDIS_URL" | "REDIS_URL_SECRETSMANAGER_SECRET" | "AWS_REGION" | "region">;

/** One connection per configuration, however many features use it; closed when the last one lets go. */
const connections = new WeakMap<object, { client: Promise<Redis>; users: number }>();

async function connect(config: RedisConfig, log: FastifyBaseLogger): Promise<Redis> {
  const url = config.REDIS_URL;
  if (url === undefined) throw new Error("REDIS_URL is not set");
  const { connectRedis } = await import("./redis.js");
  if (config.REDIS_URL_SECRETSMANAGER_SECRET === undefined) return connectRedis(url, log);
  const { redisUrlWithToken } = await import("./redis-token.js");
  const withToken = await redisUrlWithToken(
    url,
    config.REDIS_URL_SECRETSMANAGER_SECRET,
    config.AWS_REGION ?? config.region,
  );
  return connectRedis(withToken, log);
}

/**
 * The gateway's Redis client (REDIS_URL, with the auth token of REDIS_URL_SECRETSMANAGER_SECRET when set),
 * shared by the rate-limit counters and the Responses store: one connection, one token read. `release`
 * gives it back; the last user's release disconnects it.
 */
export async function acquireRedis(
  config: RedisConfig,
  log: FastifyBaseLogger,
): Promise<{ client: Redis; release(): void }> {
  let entry = connections.get(config);
  if (!entry) {
    entry = { client: connect(config, log), users: 0 };
    connections.set(config, entry);
  }
  const held = entry;
  held.users += 1;
  let client: Redis;
  try {
    client = await held.client;
  } catch (error) {
    held.users -= 1;
    if (connections.get(config) === held) connections.delete(config);
    throw error;
  }
  let released = false;
  return {
    client,
    release() {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users > 0) return;
      if (connections.get(config) === held) connections.delete(config);
      client.disconnect();
    },
  };
}
