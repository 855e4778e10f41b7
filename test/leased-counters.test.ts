import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBytes } from "../src/config/secret.js";
import { type BucketSpec, type LimitCounters, refilled } from "../src/limits/counters.js";
import { leasedCounters } from "../src/limits/leased-counters.js";
import { memoryCounters } from "../src/limits/memory-counters.js";
import { redisCounters } from "../src/store/limit-counters.js";
import { connectRedis } from "../src/store/redis.js";
import { type RedisServer, startRedisServer } from "./helpers/redis-server.js";
import { waitFor } from "./helpers/wait.js";

/**
 * Leases (src/limits/leased-counters.ts) over real shared counters: in memory with a stopped clock, where
 * every unit can be accounted for, and two instances over one real redis-server, where limits must stay
 * exact across both.
 */
const idleMs = 50;

/** A bucket's level in the shared counters, read without changing it. */
async function levelOf(shared: LimitCounters, bucket: Omit<BucketSpec, "cost">): Promise<number> {
  return (await shared.take([{ ...bucket, cost: 0 }])).levels[0] ?? Number.NaN;
}

/** Slots left free in the shared counters, read by taking one and giving it back. */
async function freeSlots(shared: LimitCounters, id: string, max: number): Promise<number> {
  const result = await shared.admit({ id, max, holder: "peek" }, []);
  if (result.slot) await shared.release({ id, holder: "peek" });
  return result.slot ? result.free + 1 : 0;
}

async function eventually(condition: () => Promise<boolean>) {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

describe("leased counters over counters in memory (clock stopped)", () => {
  let time = 1_000_000;
  const clock = () => time;
  const setup = () => {
    const shared = memoryCounters(clock);
    return { shared, leased: leasedCounters(shared, clock, idleMs) };
  };

  it("grants from a lease with no shared update, and gives the unused units back when idle", async () => {
    const { shared, leased } = setup();
    const rpm = { id: "a:rpm", capacity: 10_000, cost: 1 };
    // The first request takes its cost and a lease of 1 % (100) in one shared update.
    expect(await leased.take([rpm])).toMatchObject({ allowed: true, levels: [9_999] });
    expect(await levelOf(shared, rpm)).toBe(9_899);
    for (let request = 0; request < 100; request++) expect((await leased.take([rpm])).allowed).toBe(true);
    expect(await levelOf(shared, rpm)).toBe(9_899);
    // The lease is spent: the next request is a shared update again, with a new lease.
    await leased.take([rpm]);
    expect(await levelOf(shared, rpm)).toBe(9_798);
    await leased.take([rpm]);
    time += idleMs;
    // The 99 units unused go back; besides them the bucket only refilled for the idle time.
    const refill = (idleMs * rpm.capacity) / 60_000;
    await eventually(async () => Math.abs((await levelOf(shared, rpm)) - (9_897 + refill)) < 1e-6);
  });

  it("settles token corrections in the lease, and the rest in the shared bucket", async () => {
    const { shared, leased } = setup();
    const tpm = { id: "b:tpm", capacity: 1_000_000, cost: 1_000 };
    await leased.take([tpm]);
    expect(await levelOf(shared, tpm)).toBe(989_000);
    await leased.adjust({ bucket: tpm, delta: -500 });
    await leased.adjust({ bucket: tpm, delta: 2_000 });
    expect(await levelOf(shared, tpm)).toBe(989_000);
    // The lease holds 8,500 units now: a correction over that goes to the shared bucket.
    await leased.adjust({ bucket: tpm, delta: 20_000 });
    expect(await levelOf(shared, tpm)).toBe(969_000);
    // What a client is told: the shared level when last seen plus the lease, after this request's cost.
    expect((await leased.take([tpm])).levels).toEqual([989_000 + 8_500 - 1_000]);
    await leased.close();
    expect(await levelOf(shared, tpm)).toBe(969_000 + 7_500);
  });

  it("a limit under 100 never leases: every grant is a shared update", async () => {
    const { shared, leased } = setup();
    const rpm = { id: "c:rpm", capacity: 99, cost: 1 };
    await leased.take([rpm]);
    await leased.take([rpm]);
    expect(await levelOf(shared, rpm)).toBe(97);
  });

  it("a request refused by one bucket gives back what another's lease granted it", async () => {
    const { leased } = setup();
    const rpm = { id: "d:rpm", capacity: 10_000, cost: 1 };
    const tpm = { id: "d:tpm", capacity: 50, cost: 30 };
    expect((await leased.take([rpm, tpm])).allowed).toBe(true);
    // The rpm lease (100) would grant; the tpm bucket (20 left) refuses: nothing is charged, the lease is whole.
    expect((await leased.take([rpm, tpm])).allowed).toBe(false);
    expect((await leased.take([rpm])).levels).toEqual([9_899 + 99]);
  });

  it("keeps a released slot for the next request, counted as held, and gives it back when idle", async () => {
    const { shared, leased } = setup();
    const slot = { id: "e:concurrent", max: 16 };
    expect(await leased.admit({ ...slot, holder: "r1" }, [])).toMatchObject({ slot: true, allowed: true });
    await leased.release({ id: slot.id, holder: "r1" });
    expect(await freeSlots(shared, slot.id, slot.max)).toBe(15);
    // The next request takes the kept slot: no shared update.
    expect(await leased.admit({ ...slot, holder: "r2" }, [])).toMatchObject({ slot: true, allowed: true });
    expect(await freeSlots(shared, slot.id, slot.max)).toBe(15);
    await leased.release({ id: slot.id, holder: "r2" });
    time += idleMs;
    await eventually(async () => (await freeSlots(shared, slot.id, slot.max)) === 16);
  });

  it("never keeps a slot of a max_concurrent under 8", async () => {
    const { shared, leased } = setup();
    const slot = { id: "f:concurrent", max: 7 };
    await leased.admit({ ...slot, holder: "r1" }, []);
    await leased.release({ id: slot.id, holder: "r1" });
    expect(await freeSlots(shared, slot.id, slot.max)).toBe(7);
  });
});

describe("two instances leasing from one real Redis", () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  let pair: [LimitCounters, LimitCounters];
  const id = (suffix: string) => `leased-${suffix}-${process.pid}`;

  beforeAll(async () => {
    redis = await startRedisServer();
    for (let index = 0; index < 2; index++) {
      const client = await connectRedis(new SecretBytes(redis.url), pino({ level: "silent" }));
      await waitFor(() => client.status === "ready");
      clients.push(client);
    }
    pair = [
      leasedCounters(redisCounters(clients[0] as Redis)),
      leasedCounters(redisCounters(clients[1] as Redis)),
    ];
  });
  afterAll(async () => {
    for (const counters of pair ?? []) await counters.close();
    await redis?.stop();
  });

  /** Takes `requests` times, alternating the instances; how many were allowed. */
  async function alternate(requests: number, bucket: BucketSpec): Promise<number> {
    let allowed = 0;
    for (let request = 0; request < requests; request++) {
      if ((await (pair[request % 2] as LimitCounters).take([bucket])).allowed) allowed++;
    }
    return allowed;
  }

  it("rpm 10: exactly 10 across both", async () => {
    expect(await alternate(20, { id: id("rpm10"), capacity: 10, cost: 1 })).toBe(10);
  });

  it("rpm 1,000 with leases: never more than the limit across both, and no unit lost", async () => {
    const started = Date.now();
    const allowed = await alternate(1_200, { id: id("rpm1000"), capacity: 1_000, cost: 1 });
    // At most what the bucket held plus what it refilled meanwhile; at least that less two leases (10 each)
    // that may still be held unused.
    const refill = refilled(0, Date.now() - started, 1_000);
    expect(allowed).toBeLessThanOrEqual(1_000 + Math.ceil(refill));
    expect(allowed).toBeGreaterThanOrEqual(1_000 - 20);
  });

  it("max_concurrent 16: exactly 16 in flight across both, kept slots included", async () => {
    const slot = { id: id("concurrent"), max: 16 };
    const [first, second] = pair;
    // The first instance keeps a released slot: it is still held, so it counts against the others.
    await first.admit({ ...slot, holder: "kept" }, []);
    await first.release({ id: slot.id, holder: "kept" });
    let allowed = 0;
    for (let request = 0; request < 20; request++) {
      const result = await (pair[request % 2] as LimitCounters).admit({ ...slot, holder: `r${request}` }, []);
      if (result.slot && result.allowed) allowed++;
    }
    expect(allowed).toBe(16);
    expect((await second.admit({ ...slot, holder: "late" }, [])).slot).toBe(false);
  });
});
