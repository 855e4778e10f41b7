import {
  type Adjustment,
  type AdmitResult,
  type BucketSpec,
  type LimitCounters,
  lent,
  needed,
  refilled,
  type SlotSpec,
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

  /** A bucket's new level, its state updated in place once it has one. */
  const store = (id: string, level: number, time: number) => {
    const state = buckets.get(id);
    if (state === undefined) buckets.set(id, { level, at: time });
    else {
      state.level = level;
      state.at = time;
    }
  };

  function sweep(time: number) {
    for (const [id, window] of windows) if (window.endsAt <= time) windows.delete(id);
    for (const id of windows.keys()) {
      if (windows.size <= maxWindows / 2) break;
      windows.delete(id);
    }
  }

  // Loops rather than map/every/forEach, and each bucket's state updated in place: this runs on every
  // request of a key with limits.
  function take(specs: BucketSpec[]): TakeResult {
    const time = now();
    const count = specs.length;
    const levels: number[] = new Array(count);
    let allowed = true;
    for (let index = 0; index < count; index++) {
      const spec = specs[index] as BucketSpec;
      const level = levelOf(spec, time);
      levels[index] = level;
      if (level < needed(spec)) allowed = false;
    }
    const leased: number[] = new Array(count);
    for (let index = 0; index < count; index++) {
      const spec = specs[index] as BucketSpec;
      const before = levels[index] as number;
      const lease = allowed ? lent(spec, before) : 0;
      const level = before - (allowed ? spec.cost : 0) - lease;
      levels[index] = level;
      leased[index] = lease;
      store(spec.id, level, time);
    }
    return { allowed, levels, leased };
  }

  function admit(slot: SlotSpec | undefined, specs: BucketSpec[]): AdmitResult {
    const held = slot === undefined ? undefined : slots.get(slot.id);
    if (slot !== undefined && held !== undefined && held.size >= slot.max)
      return { slot: false, free: 0, allowed: false, levels: [], leased: [] };
    const result = take(specs);
    if (slot !== undefined && result.allowed) {
      if (held === undefined) slots.set(slot.id, new Set([slot.holder]));
      else held.add(slot.holder);
    }
    return {
      slot: true,
      free: slot === undefined ? Number.POSITIVE_INFINITY : slot.max - (slots.get(slot.id)?.size ?? 0),
      allowed: result.allowed,
      levels: result.levels,
      leased: result.leased,
    };
  }

  function adjust({ bucket, delta }: Adjustment) {
    const time = now();
    store(bucket.id, Math.min(bucket.capacity, levelOf(bucket, time) - delta), time);
  }

  return {
    async take(specs) {
      return take(specs);
    },
    takeNow: take,
    async admit(slot, specs) {
      return admit(slot, specs);
    },
    admitNow: admit,
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
