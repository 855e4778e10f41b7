import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { mapBounded } from "../../src/embeddings/bounded-map.js";

describe("mapBounded", () => {
  it("keeps the items' order and never runs more than the bound at once", async () => {
    let running = 0;
    let most = 0;
    const items = Array.from({ length: 30 }, (_, i) => i);
    const results = await mapBounded(items, 4, new AbortController().signal, async (item) => {
      running++;
      most = Math.max(most, running);
      // Later items finish first, so completion order is the reverse of the items' order.
      await sleep(30 - item);
      running--;
      return item * 10;
    });
    expect(results).toEqual(items.map((i) => i * 10));
    expect(most).toBe(4);
  });

  it("on the first failure aborts the calls in flight, starts no more, and throws that failure once all settled", async () => {
    const started: number[] = [];
    const aborted: number[] = [];
    let settled = 0;
    const failure = new Error("boom");
    const promise = mapBounded(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      new AbortController().signal,
      async (item, signal) => {
        started.push(item);
        try {
          if (item === 1) throw failure;
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, 5_000);
            signal.addEventListener("abort", () => {
              clearTimeout(timer);
              aborted.push(item);
              reject(new Error("aborted"));
            });
          });
        } finally {
          settled++;
        }
      },
    );
    await expect(promise).rejects.toBe(failure);
    expect(started).toEqual([0, 1, 2]);
    expect(aborted.sort()).toEqual([0, 2]);
    expect(settled).toBe(3);
  });

  it("aborts everything when the caller's signal fires", async () => {
    const controller = new AbortController();
    const promise = mapBounded(
      [1, 2, 3],
      2,
      controller.signal,
      (_item, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("gone")))),
    );
    controller.abort();
    await expect(promise).rejects.toThrow("gone");
  });

  it("returns an empty list for no items", async () => {
    expect(await mapBounded([], 8, new AbortController().signal, async () => 1)).toEqual([]);
  });
});
