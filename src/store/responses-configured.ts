import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config/index.js";
import { MemoryResponsesStore } from "./responses-memory.js";
import { RedisResponsesStore } from "./responses-redis.js";
import type { ResponsesStore } from "./responses-store.js";
import { acquireRedis } from "./shared-redis.js";

/** The store RESPONSES_STORE asks for; undefined for `none`. */
export async function responsesStoreFor(
  config: Config,
  log: FastifyBaseLogger,
  now: () => number,
): Promise<ResponsesStore | undefined> {
  const ttlMs = config.RESPONSES_STORE_TTL_SECONDS * 1000;
  const choice = config.RESPONSES_STORE;
  if (choice === "none") return undefined;
  if (choice === "redis" || (choice === "auto" && config.REDIS_URL !== undefined)) {
    // RESPONSES_STORE=redis without REDIS_URL is refused when the configuration is loaded.
    if (config.REDIS_URL === undefined) throw new Error("RESPONSES_STORE is redis, but REDIS_URL is not set");
    const { client, release } = await acquireRedis(config, log);
    return new RedisResponsesStore(client, ttlMs, release);
  }
  return new MemoryResponsesStore({
    ttlMs,
    maxEntries: config.RESPONSES_STORE_MAX_ENTRIES,
    maxBytes: config.RESPONSES_STORE_MAX_BYTES,
    now,
  });
}
