import {
  type Adjustment,
  type BucketSpec,
  type LimitCounters,
  lent,
  needed,
  refilled,
  type TakeResult,
} from "./counters.js";

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

  function take(specs: BucketSpec[]): TakeResult {
    const time = now();
    const levels = specs.map((spec) => levelOf(spec, time));
    const allowed = specs.every((spec, index) => (levels[index] as number) >= needed(spec));
    const leased = specs.map(() => 0);
    specs.forEach((spec, index) => {
      const before = levels[index] as number;
      const lease = allowed ? lent(spec, before) : 0;
      const level = before - (allowed ? spec.cost : 0) - lease;
      levels[index] = level;
      leased[index] = lease;
      buckets.set(spec.id, { level, at: time });
    });
    return { allowed, levels, leased };
  }

  function adjust({ bucket, delta }: Adjustment) {
    const time = now();
    buckets.set(bucket.id, { level: Math.min(bucket.capacity, levelOf(bucket, time) - delta), at: time });
  }

  return {
    async take(specs) {
      return take(specs);
    },
    async admit(slot, specs) {
      if (slot === undefined) return { slot: true, free: Number.POSITIVE_INFINITY, ...take(specs) };
      const held = slots.get(slot.id) ?? new Set<string>();
      if (held.size >= slot.max) return { slot: false, free: 0, allowed: false, levels: [], leased: [] };
      const result = take(specs);
      if (result.allowed) {
        held.add(slot.holder);
        slots.set(slot.id, held);
      }
      return { slot: true, free: slot.max - held.size, ...result };
    },
    async adjust(adjustment) {
      adjust(adjustment);
    },
    async release(slot, adjustment) {
      const held = slots.get(slot.id);
      held?.delete(slot.holder);
      if (held?.size === 0) slots.delete(slot.id);
      if (adjustment !== undefined) adjust(adjustment);
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
