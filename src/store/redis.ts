import type { FastifyBaseLogger } from "fastify";
import type { Redis, RedisOptions } from "ioredis";
import type { SecretBytes } from "../config/secret.js";

/** How long one Redis command may take before the caller treats Redis as unreachable. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/** ioredis options from a redis:// or rediss:// URL (already checked by the REDIS_URL setting). */
export function redisOptions(url: SecretBytes): RedisOptions {
  const parsed = new URL(url.bytes().toString("utf8"));
  const db = parsed.pathname.replace("/", "");
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    // rediss:// is TLS with the system's CA bundle and host name verification, as ElastiCache serves it.
    ...(parsed.protocol === "rediss:" ? { tls: { servername: parsed.hostname } } : {}),
    connectTimeout: 2_000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    // A command while Redis is down fails at once instead of queueing: callers decide what that means.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting in the background, never giving up: Redis coming back heals the gateway.
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
    // Without a listener ioredis would print every reconnect failure to stderr itself.
    showFriendlyErrorStack: false,
  };
}

/**
 * One Redis client for the process, loaded only when REDIS_URL is set (ioredis is not imported otherwise).
 * Connection errors are logged once per outage, never thrown: commands fail fast while Redis is away and the
 * client reconnects on its own.
 */
export async function connectRedis(url: SecretBytes, log: FastifyBaseLogger): Promise<Redis> {
  // The default export: in the esbuild bundle (npm start) a dynamic import() of this CommonJS package has no
  // named exports, and `Redis` would be undefined.
  const ioredis = await import("ioredis");
  const Redis = ioredis.default as unknown as typeof ioredis.Redis;
  const client = new Redis({ ...redisOptions(url), lazyConnect: true });
  let reachable = true;
  client.on("error", (error: Error) => {
    if (!reachable) return;
    reachable = false;
    log.error(
      { reason: error.message },
      "Redis is unreachable; shared state is unavailable until it returns",
    );
  });
  // A connection that drops and comes back between two attempts raises no error: the reconnect says it.
  client.on("reconnecting", () => {
    if (!reachable) return;
    reachable = false;
    log.error(
      { reason: "connection lost" },
      "Redis is unreachable; shared state is unavailable until it returns",
    );
  });
  client.on("ready", () => {
    if (reachable) return;
    reachable = true;
    log.info("Redis is reachable again");
  });
  // A first connection that fails is logged like any outage; startup does not wait on Redis.
  client.connect().catch(() => {});
  return client;
}
