import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBytes } from "../src/config/secret.js";
import type { LimitCounters } from "../src/limits/counters.js";
import { memoryCounters } from "../src/limits/memory-counters.js";
import { redisCounters } from "../src/store/limit-counters.js";
import { connectRedis } from "../src/store/redis.js";
import { type RedisServer, startRedisServer } from "./helpers/redis-server.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The counters' contract, held by both implementations (Redis: a real redis-server): admit takes the
 * in-flight slot and the request together or not at all and says how many slots are left, release carries
 * the tokens correction, and a bucket lends a lease only while it stays above the lease floor.
 */
let redis: RedisServer;
let shared: LimitCounters;

beforeAll(async () => {
  redis = await startRedisServer();
  const client = await connectRedis(new SecretBytes(redis.url), pino({ level: "silent" }));
  await waitFor(() => client.status === "ready");
  shared = redisCounters(client);
});
afterAll(async () => {
  await shared?.close();
  await redis?.stop();
});

const implementations: [string, () => LimitCounters][] = [
  ["memory", () => memoryCounters()],
  ["Redis", () => shared],
];

describe.each(implementations)("limit counters in %s", (name, counters) => {
  // Ids unique per implementation: the Redis one is shared by every test here.
  const id = (suffix: string) => `${name}-${suffix}-${process.pid}`;

  it("admit: a refused request leaves the slot free, a refused slot charges no request", async () => {
    const store = counters();
    const slot = { id: id("a:concurrent"), max: 1 };
    const rpm = { id: id("a:rpm"), capacity: 1, cost: 1 };
    const first = await store.admit({ ...slot, holder: "r1" }, [rpm]);
    expect(first).toEqual({
      slot: true,
      free: 0,
      allowed: true,
      levels: [expect.closeTo(0, 1)],
      leased: [0],
    });
    // The slot is taken: the next request is refused for it, and its request is not counted.
    expect(await store.admit({ ...slot, holder: "r2" }, [rpm])).toEqual({
      slot: false,
      free: 0,
      allowed: false,
      levels: [],
      leased: [],
    });
    await store.release({ id: slot.id, holder: "r1" });
    // The slot is free but the minute's one request is spent: refused by rpm, and the slot stays free.
    const refused = await store.admit({ ...slot, holder: "r3" }, [rpm]);
    expect(refused.slot).toBe(true);
    expect(refused.allowed).toBe(false);
    expect(await store.admit({ ...slot, holder: "r4" }, [])).toMatchObject({ slot: true, allowed: true });
    expect(await store.admit({ ...slot, holder: "r5" }, [])).toMatchObject({ slot: false });
  });

  it("admit: a request refused for its slot leaves the requests bucket as it was", async () => {
    const store = counters();
    const slot = { id: id("b:concurrent"), max: 1 };
    const rpm = { id: id("b:rpm"), capacity: 5, cost: 1 };
    await store.admit({ ...slot, holder: "r1" }, [rpm]);
    expect((await store.admit({ ...slot, holder: "r2" }, [rpm])).slot).toBe(false);
    const level = (await store.admit(undefined, [rpm])).levels[0] ?? Number.NaN;
    // Two requests charged (the first and this one), not three; refilling adds a little meanwhile.
    expect(level).toBeGreaterThanOrEqual(3);
    expect(level).toBeLessThan(3.5);
  });

  it("release gives the slot back and applies the tokens correction in the same update", async () => {
    const store = counters();
    const slot = { id: id("c:concurrent"), max: 1, holder: "r1" };
    const tpm = { id: id("c:tpm"), capacity: 600_000, cost: 100_000 };
    expect((await store.admit(slot, [])).allowed).toBe(true);
    expect((await store.take([tpm])).allowed).toBe(true);
    await store.release(slot, { bucket: { id: tpm.id, capacity: tpm.capacity }, delta: 200_000 });
    const level = (await store.take([{ ...tpm, cost: 0 }])).levels[0] ?? Number.NaN;
    // 600,000 - 100,000 charged - 200,000 corrected, plus what refilled (10,000 a second).
    expect(level).toBeGreaterThanOrEqual(300_000);
    expect(level).toBeLessThan(320_000);
    expect((await store.admit({ ...slot, holder: "r2" }, [])).slot).toBe(true);
  });

  it("admit says how many slots are left free", async () => {
    const store = counters();
    const slot = { id: id("d:concurrent"), max: 3 };
    const free = [];
    for (const holder of ["r1", "r2", "r3", "r4"])
      free.push((await store.admit({ ...slot, holder }, [])).free);
    expect(free).toEqual([2, 1, 0, 0]);
    await store.release({ id: slot.id, holder: "r2" });
    expect((await store.admit({ ...slot, holder: "r5" }, [])).free).toBe(0);
    expect((await store.admit(undefined, [])).free).toBe(Number.POSITIVE_INFINITY);
  });

  it("a bucket lends a lease with a granted cost only while it stays above the lease floor", async () => {
    const store = counters();
    const bucket = { id: id("e:rpm"), capacity: 600_000, cost: 1_000, lease: 6_000 };
    const first = await store.take([bucket]);
    expect(first.leased).toEqual([6_000]);
    expect(first.levels[0]).toBeCloseTo(593_000, -2);
    // Left at about 123,000 by a big cost: a lease would take it under 20 % (120,000), so none is given.
    const low = await store.take([{ ...bucket, cost: 470_000 }]);
    expect(low).toMatchObject({ allowed: true, leased: [0] });
    expect(low.levels[0]).toBeGreaterThanOrEqual(122_000);
    expect(low.levels[0]).toBeLessThan(130_000);
    // A refused cost lends nothing either.
    expect(await store.take([{ ...bucket, cost: 500_000 }])).toMatchObject({ allowed: false, leased: [0] });
    // Without a lease asked for, none is given.
    expect((await store.take([{ id: id("f:rpm"), capacity: 600_000, cost: 1 }])).leased).toEqual([0]);
  });
});
