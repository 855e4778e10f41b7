import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config/index.js";
import type { LimitCounters } from "./counters.js";
import { memoryCounters } from "./memory-counters.js";

/**
 * Redis counters when REDIS_URL is set (ioredis is loaded only then), granting from leases where limits stay
 * exact (src/limits/leased-counters.ts), else this process's memory. With
 * REDIS_URL_SECRETSMANAGER_SECRET the auth token is read first; failing that rejects with a RedisTokenError.
 */
export async function limitCountersFor(
  config: Pick<Config, "REDIS_URL" | "REDIS_URL_SECRETSMANAGER_SECRET" | "AWS_REGION" | "region">,
  log: FastifyBaseLogger,
  now: () => number,
): Promise<LimitCounters> {
  if (config.REDIS_URL === undefined) return memoryCounters(now);
  const [{ acquireRedis }, { redisCounters }, { leasedCounters }] = await Promise.all([
    import("../store/shared-redis.js"),
    import("../store/limit-counters.js"),
    import("./leased-counters.js"),
  ]);
  const { client, release } = await acquireRedis(config, log);
  return leasedCounters(redisCounters(client, release), now);
}
