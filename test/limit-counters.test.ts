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
 * in-flight slot and the request together or not at all, and release carries the tokens correction.
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
    expect(first).toEqual({ slot: true, allowed: true, levels: [expect.closeTo(0, 1)] });
    // The slot is taken: the next request is refused for it, and its request is not counted.
    expect(await store.admit({ ...slot, holder: "r2" }, [rpm])).toEqual({
      slot: false,
      allowed: false,
      levels: [],
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
});
