import { type BucketSpec, type LimitCounters, needed, refilled, type TakeResult } from "./counters.js";

/** Beyond this many failure windows (one per client IP), expired ones are swept, then the oldest dropped. */
const maxWindows = 100_000;

/** Limits counted in this process alone: right for one instance, the default without REDIS_URL. */
export function memoryCounters(now: () => number = Date.now): LimitCounters {
  const buckets = new Map<string, { level: number; at: number }>();
  const slots = new Map<string, Set<string>>();
  const windows = new Map<string, { count: number; endsAt: number }>();

  const levelOf = (bucket: Omit<BucketSpec, "cost">, time: number) => {
    const state = buckets.get(bucket.id);
    return state === undefined ? bucket.capacity : refilled(state.level, time - state.at, bucket.capacity);
  };

  function sweep(time: number) {
    for (const [id, window] of windows) if (window.endsAt <= time) windows.delete(id);
    for (const id of windows.keys()) {
      if (windows.size <= maxWindows / 2) break;
      windows.delete(id);
    }
  }

  return {
    async take(specs): Promise<TakeResult> {
      const time = now();
      const levels = specs.map((spec) => levelOf(spec, time));
      const allowed = specs.every((spec, index) => (levels[index] as number) >= needed(spec));
      specs.forEach((spec, index) => {
        const level = (levels[index] as number) - (allowed ? spec.cost : 0);
        levels[index] = level;
        buckets.set(spec.id, { level, at: time });
      });
      return { allowed, levels };
    },
    async adjust(bucket, delta) {
      const time = now();
      buckets.set(bucket.id, { level: Math.min(bucket.capacity, levelOf(bucket, time) - delta), at: time });
    },
    async acquire(id, max, holder) {
      const held = slots.get(id) ?? new Set<string>();
      if (held.size >= max) return false;
      held.add(holder);
      slots.set(id, held);
      return true;
    },
    async release(id, holder) {
      const held = slots.get(id);
      held?.delete(holder);
      if (held?.size === 0) slots.delete(id);
    },
    async count(id, windowMs) {
      const time = now();
      let window = windows.get(id);
      if (window === undefined || window.endsAt <= time) {
        if (windows.size >= maxWindows) sweep(time);
        window = { count: 0, endsAt: time + windowMs };
        windows.set(id, window);
      }
      window.count++;
      return { count: window.count, resetMs: window.endsAt - time };
    },
    async close() {},
  };
}
