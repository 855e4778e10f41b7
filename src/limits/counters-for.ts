import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config/index.js";
import type { LimitCounters } from "./counters.js";
import { memoryCounters } from "./memory-counters.js";

/** Redis counters when REDIS_URL is set (ioredis is loaded only then), else this process's memory. */
export async function limitCountersFor(
  config: Pick<Config, "REDIS_URL">,
  log: FastifyBaseLogger,
  now: () => number,
): Promise<LimitCounters> {
  if (config.REDIS_URL === undefined) return memoryCounters(now);
  const [{ connectRedis }, { redisCounters }] = await Promise.all([
    import("../store/redis.js"),
    import("../store/limit-counters.js"),
  ]);
  return redisCounters(await connectRedis(config.REDIS_URL, log));
}
