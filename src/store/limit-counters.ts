import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { BucketSpec, LimitCounters, TakeResult } from "../limits/counters.js";

const prefix = "aegis:limits:";
/** An in-flight slot whose holder vanished (a killed instance) is freed after this long without renewal. */
const leaseMs = 60_000;
const renewEveryMs = 20_000;

/*
 * The scripts read Redis's own clock (TIME), so instances whose clocks disagree still share one bucket.
 * Levels are returned and stored as strings: Lua numbers would be cut to integers on the way out.
 */
const takeScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels = {}
local allowed = 1
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i - 1])
  local cost = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', KEYS[i], 'level', 'at')
  local level = tonumber(state[1])
  if level == nil then
    level = capacity
  else
    level = math.min(capacity, level + math.max(0, now - tonumber(state[2])) * capacity / 60000)
  end
  levels[i] = level
  if level < math.min(cost, capacity) then allowed = 0 end
end
local out = { allowed }
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i - 1])
  local level = levels[i]
  if allowed == 1 then level = level - tonumber(ARGV[2 * i]) end
  redis.call('HSET', KEYS[i], 'level', tostring(level), 'at', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil((capacity - level) * 60000 / capacity) + 1000)
  out[i + 1] = tostring(level)
end
return out`;

const adjustScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1])
if level == nil then
  level = capacity
else
  level = math.min(capacity, level + math.max(0, now - tonumber(state[2])) * capacity / 60000)
end
level = math.min(capacity, level - tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - level) * 60000 / capacity) + 1000)
return tostring(level)`;

const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1`;

const renewScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1`;

const countScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

interface LimitCommands {
  aegisLimitTake(keyCount: number, ...args: (string | number)[]): Promise<string[] | number[]>;
  aegisLimitAdjust(key: string, capacity: number, delta: number): Promise<string>;
  aegisLimitAcquire(key: string, max: number, holder: string, leaseMs: number): Promise<number>;
  aegisLimitRenew(key: string, leaseMs: number, ...holders: string[]): Promise<number>;
  aegisLimitCount(key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * Limits counted in Redis, so every gateway instance enforces one limit. Each update is one Lua script, run
 * atomically by Redis (sent by digest with EVALSHA once Redis has it). Commands fail fast while Redis is away
 * (src/store/redis.ts); the caller decides what that means (RATE_LIMIT_FAIL_OPEN).
 */
export function redisCounters(client: Redis, release: () => void = () => client.disconnect()): LimitCounters {
  client.defineCommand("aegisLimitTake", { lua: takeScript });
  client.defineCommand("aegisLimitAdjust", { lua: adjustScript, numberOfKeys: 1 });
  client.defineCommand("aegisLimitAcquire", { lua: acquireScript, numberOfKeys: 1 });
  client.defineCommand("aegisLimitRenew", { lua: renewScript, numberOfKeys: 1 });
  client.defineCommand("aegisLimitCount", { lua: countScript, numberOfKeys: 1 });
  const commands = client as unknown as LimitCommands;
  // Holders are unique across instances: this process's id, then the request's.
  const instance = randomUUID();
  const held = new Map<string, Set<string>>();

  // Long streams keep their slots: every in-flight holder of this instance has its lease renewed.
  const renewal = setInterval(() => {
    for (const [id, holders] of held) {
      if (holders.size === 0) continue;
      commands.aegisLimitRenew(`${prefix}${id}`, leaseMs, ...holders).catch(() => {});
    }
  }, renewEveryMs);
  renewal.unref();

  return {
    async take(specs: BucketSpec[]): Promise<TakeResult> {
      const args = specs.flatMap((spec) => [spec.capacity, spec.cost]);
      const reply = await commands.aegisLimitTake(
        specs.length,
        ...specs.map((spec) => `${prefix}${spec.id}`),
        ...args,
      );
      return { allowed: Number(reply[0]) === 1, levels: reply.slice(1).map(Number) };
    },
    async adjust(bucket, delta) {
      await commands.aegisLimitAdjust(`${prefix}${bucket.id}`, bucket.capacity, delta);
    },
    async acquire(id, max, holder) {
      const unique = `${instance}:${holder}`;
      const taken = (await commands.aegisLimitAcquire(`${prefix}${id}`, max, unique, leaseMs)) === 1;
      if (taken) {
        const holders = held.get(id) ?? new Set<string>();
        holders.add(unique);
        held.set(id, holders);
      }
      return taken;
    },
    async release(id, holder) {
      const unique = `${instance}:${holder}`;
      const holders = held.get(id);
      holders?.delete(unique);
      if (holders?.size === 0) held.delete(id);
      await client.zrem(`${prefix}${id}`, unique);
    },
    async count(id, windowMs) {
      const [count, ttl] = await commands.aegisLimitCount(`${prefix}${id}`, windowMs);
      return { count: Number(count), resetMs: Math.max(0, Number(ttl)) };
    },
    async close() {
      clearInterval(renewal);
      release();
    },
  };
}
