import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { type AdmitResult, type BucketSpec, type LimitCounters, leaseFloor } from "../limits/counters.js";

const prefix = "aegis:limits:";
/** An in-flight slot whose holder vanished (a killed instance) is freed after this long without renewal. */
const leaseMs = 60_000;
const renewEveryMs = 20_000;

/*
 * The scripts read Redis's own clock (TIME), so instances whose clocks disagree still share one bucket.
 * Levels are returned and stored as strings: Lua numbers would be cut to integers on the way out.
 */
const clock = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- A bucket's level now: full when it does not exist, else refilled at capacity per minute since stored.
local function levelOf(key, capacity)
  local state = redis.call('HMGET', key, 'level', 'at')
  local level = tonumber(state[1])
  if level == nil then return capacity end
  return math.min(capacity, level + math.max(0, now - tonumber(state[2])) * capacity / 60000)
end
local function store(key, level, capacity)
  redis.call('HSET', key, 'level', tostring(level), 'at', now)
  redis.call('PEXPIRE', key, math.ceil((capacity - level) * 60000 / capacity) + 1000)
end`;

/*
 * Takes the costs of the buckets KEYS[first..] (capacity, cost and lease triples from ARGV[firstArg]): all or
 * none. A bucket that stays at or above the lease floor after its cost and lease also gives the lease.
 * Replies { allowed, free slots (-1: no slot), then each bucket's level and leased units }.
 */
const takeBuckets = `
local function take(first, firstArg, free)
  local levels = {}
  local allowed = 1
  for i = first, #KEYS do
    local a = firstArg + 3 * (i - first)
    local capacity = tonumber(ARGV[a])
    local level = levelOf(KEYS[i], capacity)
    levels[i] = level
    if level < math.min(tonumber(ARGV[a + 1]), capacity) then allowed = 0 end
  end
  local out = { allowed, free }
  for i = first, #KEYS do
    local a = firstArg + 3 * (i - first)
    local capacity = tonumber(ARGV[a])
    local level = levels[i]
    local leased = 0
    if allowed == 1 then
      local cost = tonumber(ARGV[a + 1])
      local lease = tonumber(ARGV[a + 2])
      if lease > 0 and level - cost - lease >= capacity * ${leaseFloor} then leased = lease end
      level = level - cost - leased
    end
    store(KEYS[i], level, capacity)
    out[#out + 1] = tostring(level)
    out[#out + 1] = leased
  end
  return out
end`;

/* Corrects bucket KEYS[i] of capacity ARGV[a] by ARGV[a + 1]. */
const adjustBucket = `
local function adjust(i, a)
  local capacity = tonumber(ARGV[a])
  store(KEYS[i], math.min(capacity, levelOf(KEYS[i], capacity) - tonumber(ARGV[a + 1])), capacity)
end`;

const takeScript = `${clock}${takeBuckets}
return take(1, 1, -1)`;

/*
 * ARGV[1] is 1 when KEYS[1] is an in-flight slot set (then ARGV[2..4] are max, holder and lease ms), else 0;
 * the buckets follow. Replies 0 when the slot is refused (nothing changed), else the take's reply.
 */
const admitScript = `${clock}${takeBuckets}
if ARGV[1] == '0' then return take(1, 2, -1) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[2]) then return 0 end
local out = take(2, 5, tonumber(ARGV[2]) - held)
if out[1] == 1 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
  out[2] = out[2] - 1
end
return out`;

const adjustScript = `${clock}${adjustBucket}
adjust(1, 1)
return 1`;

/* Gives slot ARGV[1] of set KEYS[1] back and corrects bucket KEYS[2] (ARGV[2..3]) in one round trip. */
const releaseScript = `${clock}${adjustBucket}
redis.call('ZREM', KEYS[1], ARGV[1])
adjust(2, 2)
return 1`;

const renewScript = `${clock}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1`;

const countScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

/** allowed, free slots (-1: no slot), then each bucket's level (a string) and leased units. */
type TakeReply = [number, number, ...(string | number)[]];

interface LimitCommands {
  aegisLimitTake(keyCount: number, ...args: (string | number)[]): Promise<TakeReply>;
  aegisLimitAdmit(keyCount: number, ...args: (string | number)[]): Promise<TakeReply | 0>;
  aegisLimitAdjust(key: string, capacity: number, delta: number): Promise<number>;
  aegisLimitRelease(
    slotKey: string,
    bucketKey: string,
    holder: string,
    capacity: number,
    delta: number,
  ): Promise<number>;
  aegisLimitRenew(key: string, leaseMs: number, ...holders: string[]): Promise<number>;
  aegisLimitCount(key: string, windowMs: number): Promise<[number, number]>;
}

const bucketArgs = (specs: BucketSpec[]) =>
  specs.flatMap((spec) => [spec.capacity, spec.cost, spec.lease ?? 0]);

/**
 * Limits counted in Redis, so every gateway instance enforces one limit. Each update is one Lua script, run
 * atomically by Redis (sent by digest with EVALSHA once Redis has it). Commands fail fast while Redis is away
 * (src/store/redis.ts); the caller decides what that means (RATE_LIMIT_FAIL_OPEN).
 */
export function redisCounters(client: Redis, release: () => void = () => client.disconnect()): LimitCounters {
  client.defineCommand("aegisLimitTake", { lua: takeScript });
  client.defineCommand("aegisLimitAdmit", { lua: admitScript });
  client.defineCommand("aegisLimitAdjust", { lua: adjustScript, numberOfKeys: 1 });
  client.defineCommand("aegisLimitRelease", { lua: releaseScript, numberOfKeys: 2 });
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

  const taken = (reply: TakeReply): AdmitResult => {
    const rest = reply.slice(2);
    return {
      slot: true,
      free: reply[1] < 0 ? Number.POSITIVE_INFINITY : reply[1],
      allowed: reply[0] === 1,
      levels: rest.filter((_, index) => index % 2 === 0).map(Number),
      leased: rest.filter((_, index) => index % 2 === 1).map(Number),
    };
  };

  return {
    async take(specs) {
      const keys = specs.map((spec) => `${prefix}${spec.id}`);
      const { allowed, levels, leased } = taken(
        await commands.aegisLimitTake(keys.length, ...keys, ...bucketArgs(specs)),
      );
      return { allowed, levels, leased };
    },
    async admit(slot, specs) {
      const keys = specs.map((spec) => `${prefix}${spec.id}`);
      if (slot === undefined) {
        const reply = await commands.aegisLimitAdmit(keys.length, ...keys, 0, ...bucketArgs(specs));
        return taken(reply as TakeReply);
      }
      const unique = `${instance}:${slot.holder}`;
      const reply = await commands.aegisLimitAdmit(
        keys.length + 1,
        `${prefix}${slot.id}`,
        ...keys,
        1,
        slot.max,
        unique,
        leaseMs,
        ...bucketArgs(specs),
      );
      if (reply === 0) return { slot: false, free: 0, allowed: false, levels: [], leased: [] };
      const result = taken(reply);
      if (result.allowed) {
        const holders = held.get(slot.id) ?? new Set<string>();
        holders.add(unique);
        held.set(slot.id, holders);
      }
      return result;
    },
    async adjust({ bucket, delta }) {
      await commands.aegisLimitAdjust(`${prefix}${bucket.id}`, bucket.capacity, delta);
    },
    async release(slot, adjustment) {
      const unique = `${instance}:${slot.holder}`;
      const holders = held.get(slot.id);
      holders?.delete(unique);
      if (holders?.size === 0) held.delete(slot.id);
      const key = `${prefix}${slot.id}`;
      if (adjustment === undefined) {
        await client.zrem(key, unique);
        return;
      }
      const { bucket, delta } = adjustment;
      await commands.aegisLimitRelease(key, `${prefix}${bucket.id}`, unique, bucket.capacity, delta);
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
