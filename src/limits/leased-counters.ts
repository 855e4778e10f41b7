import {
  type Adjustment,
  type AdmitResult,
  type BucketSpec,
  type LimitCounters,
  leaseFloor,
  refilled,
  type SlotSpec,
} from "./counters.js";

/** The share of a bucket's capacity one lease takes (whole units; a bucket under 100 never lends). */
export const leaseShare = 0.01;
/** Leased units and kept slots left unused this long go back to the shared counters. */
export const leaseIdleMs = 1_000;
/** An instance keeps at most this share of a key's in-flight slots for reuse (none when max_concurrent < 8). */
export const keptSlotShare = 1 / 8;

export const leaseSize = (capacity: number) => Math.floor(capacity * leaseShare);
export const slotsKept = (max: number) => Math.floor(max * keptSlotShare);

interface Lease {
  capacity: number;
  /** Units this instance may grant; already taken out of the shared bucket. */
  units: number;
  /** The shared bucket's level when last seen, and when (for the headers' `remaining`). */
  level: number;
  at: number;
  usedAt: number;
  /** A lease is on its way: concurrent misses do not each take one. */
  asking: boolean;
}

interface Slots {
  max: number;
  /** Slots this instance holds in the shared counters and no request uses, with when they were freed. */
  idle: { holder: string; since: number }[];
  /** Which shared holder each request of this instance holds. */
  holders: Map<string, string>;
  /** Free slots at the last shared update: keeping is allowed only while plenty were. */
  free: number;
}

/**
 * Grants from leases where that keeps limits exact: shared counters (Redis) stay the one count, every unit
 * granted here was taken out of them atomically beforehand, so no instance ever grants more than the limit.
 * A bucket far from empty (at least `leaseFloor` of it left) lends `leaseShare` of its capacity in the same
 * update that charges a request; the next requests are granted from it in memory, with no round trip. A
 * request slot released here is kept (still held in the shared set) for the next request of this instance,
 * up to `keptSlotShare` of max_concurrent while at least `leaseFloor` of the slots were free. Unused units
 * and kept slots go back after `leaseIdleMs`. Small limits (rpm or tpm under 100, max_concurrent under 8)
 * never lease: each of their grants is one shared update, exact to the request across instances. What
 * leases cost: another instance may be refused while this one holds unused units or slots (at most one
 * lease per bucket and `keptSlotShare` of the slots, for at most `leaseIdleMs` after last use), and the
 * `remaining` an answer reports is this instance's view (shared level when last seen plus its own units).
 */
export function leasedCounters(
  shared: LimitCounters,
  now: () => number = Date.now,
  idleMs = leaseIdleMs,
): LimitCounters {
  const leases = new Map<string, Lease>();
  const slots = new Map<string, Slots>();
  let sequence = 0;
  let sweeper: NodeJS.Timeout | undefined;

  function scheduleSweep() {
    if (sweeper !== undefined) return;
    sweeper = setTimeout(sweep, idleMs);
    sweeper.unref();
  }

  /** Gives back what has not been used for `idleMs`; keeps sweeping while anything is left. */
  function sweep() {
    sweeper = undefined;
    const time = now();
    for (const [id, lease] of leases) {
      if (lease.asking || time - lease.usedAt < idleMs) continue;
      leases.delete(id);
      void returnUnits(id, lease);
    }
    for (const [id, state] of slots) {
      const stale = state.idle.filter((slot) => time - slot.since >= idleMs);
      if (stale.length === 0) continue;
      state.idle = state.idle.filter((slot) => time - slot.since < idleMs);
      for (const { holder } of stale) void release(id, holder);
      if (state.idle.length === 0 && state.holders.size === 0) slots.delete(id);
    }
    if (leases.size > 0 || [...slots.values()].some((state) => state.idle.length > 0)) scheduleSweep();
  }

  /** Never rejects: a failed return loses the units until the bucket refills (never more than the limit). */
  async function returnUnits(id: string, lease: Lease): Promise<void> {
    if (lease.units <= 0) return;
    const returned = lease.units;
    lease.units = 0;
    await shared.adjust({ bucket: { id, capacity: lease.capacity }, delta: -returned }).catch(() => {});
  }

  /** Never rejects: a slot whose release fails expires with its shared lease (src/store/limit-counters.ts). */
  const release = (id: string, holder: string) => shared.release({ id, holder }).catch(() => {});

  function returnIdleSlots(id: string, state: Slots): Promise<unknown> {
    const released = state.idle.map(({ holder }) => release(id, holder));
    state.idle = [];
    return Promise.all(released);
  }

  /** The level a client is told: the shared level when last seen, refilled since, plus this instance's units. */
  const levelOf = (lease: Lease, time: number) =>
    Math.min(lease.capacity, refilled(lease.level, time - lease.at, lease.capacity) + lease.units);

  /** Applies a correction to this instance's lease when it can; false when the shared bucket must take it. */
  function adjustLocally({ bucket, delta }: Adjustment): boolean {
    const lease = leases.get(bucket.id);
    if (lease === undefined || lease.capacity !== bucket.capacity || lease.units < delta) return false;
    // Units given back become this instance's to grant (they are already out of the shared bucket).
    lease.units -= delta;
    lease.usedAt = now();
    return true;
  }

  /** Charges the buckets this instance's leases cover; the rest (a lease asked for where allowed) go remote. */
  function split(specs: BucketSpec[], time: number) {
    const local: number[] = [];
    const remote: BucketSpec[] = [];
    const remoteIndex: number[] = [];
    specs.forEach((spec, index) => {
      let lease = leases.get(spec.id);
      if (lease !== undefined && lease.capacity !== spec.capacity && !lease.asking) {
        // The key's limit changed (a store reload): the old lease goes back whole.
        leases.delete(spec.id);
        void returnUnits(spec.id, lease);
        lease = undefined;
      }
      if (lease !== undefined && lease.capacity === spec.capacity && lease.units >= spec.cost) {
        lease.units -= spec.cost;
        lease.usedAt = time;
        local.push(index);
        return;
      }
      const size = leaseSize(spec.capacity);
      const asking = size > 0 && lease?.asking !== true;
      if (asking) {
        const pending = lease ?? {
          capacity: spec.capacity,
          units: 0,
          level: 0,
          at: time,
          usedAt: time,
          asking,
        };
        pending.asking = true;
        leases.set(spec.id, pending);
      }
      remote.push(asking ? { ...spec, lease: size } : spec);
      remoteIndex.push(index);
    });
    const undo = () => {
      for (const index of local) {
        const spec = specs[index] as BucketSpec;
        const lease = leases.get(spec.id);
        if (lease !== undefined) lease.units += spec.cost;
      }
    };
    return { local, remote, remoteIndex, undo };
  }

  /**
   * The admission when this instance can grant all of it: every bucket's cost from its lease and the slot
   * (when asked for) from a kept one; otherwise undefined, with nothing taken. No shared update, no waiting.
   */
  function admitNow(slot: SlotSpec | undefined, specs: BucketSpec[]): AdmitResult | undefined {
    const count = specs.length;
    for (let index = 0; index < count; index++) {
      const spec = specs[index] as BucketSpec;
      const lease = leases.get(spec.id);
      if (lease === undefined || lease.capacity !== spec.capacity || lease.units < spec.cost)
        return undefined;
    }
    let free = Number.POSITIVE_INFINITY;
    if (slot !== undefined) {
      const state = slots.get(slot.id);
      const kept = state?.max === slot.max ? state.idle.pop() : undefined;
      if (state === undefined || kept === undefined) return undefined;
      state.holders.set(slot.holder, kept.holder);
      free = state.free;
    }
    const time = now();
    const levels: number[] = new Array(count);
    const leased: number[] = new Array(count);
    for (let index = 0; index < count; index++) {
      const spec = specs[index] as BucketSpec;
      const lease = leases.get(spec.id) as Lease;
      lease.units -= spec.cost;
      lease.usedAt = time;
      levels[index] = levelOf(lease, time);
      leased[index] = 0;
    }
    return { slot: true, free, allowed: true, levels, leased };
  }

  /**
   * One admission: buckets whose cost this instance's lease covers are charged here, the others in one
   * shared update, together with the slot when no kept slot is free. All or none.
   */
  async function admit(slot: SlotSpec | undefined, specs: BucketSpec[]): Promise<AdmitResult> {
    const granted = admitNow(slot, specs);
    if (granted !== undefined) return granted;
    const time = now();
    const { local, remote, remoteIndex, undo } = split(specs, time);

    let state: Slots | undefined;
    let kept: { holder: string; since: number } | undefined;
    if (slot !== undefined) {
      state = slots.get(slot.id);
      if (state === undefined || state.max !== slot.max) {
        if (state !== undefined) void returnIdleSlots(slot.id, state);
        state = { max: slot.max, idle: [], holders: state?.holders ?? new Map(), free: 0 };
        slots.set(slot.id, state);
      }
      kept = state.idle.pop();
    }
    const unkeep = () => {
      if (kept !== undefined) state?.idle.push(kept);
    };

    const levels = specs.map(() => 0);
    let free = Number.POSITIVE_INFINITY;
    if (remote.length > 0 || (slot !== undefined && kept === undefined)) {
      const holder = slot === undefined || kept !== undefined ? undefined : `l${++sequence}`;
      let result: AdmitResult;
      try {
        result =
          slot === undefined || holder === undefined
            ? { slot: true, free: Number.POSITIVE_INFINITY, ...(await shared.take(remote)) }
            : await shared.admit({ id: slot.id, max: slot.max, holder }, remote);
      } catch (error) {
        undo();
        unkeep();
        throw error;
      } finally {
        // Only the request that asked for a lease ends the asking: others may miss meanwhile.
        for (const spec of remote) {
          const lease = leases.get(spec.id);
          if (lease !== undefined && spec.lease !== undefined) lease.asking = false;
        }
      }
      const after = now();
      remote.forEach((spec, position) => {
        const index = remoteIndex[position] as number;
        const level = result.levels[position] ?? 0;
        levels[index] = level;
        const lease = leases.get(spec.id);
        if (lease === undefined) return;
        lease.level = level;
        lease.at = after;
        if (spec.lease !== undefined) {
          lease.units += result.leased[position] ?? 0;
          lease.usedAt = after;
        }
        if (lease.units > 0) {
          levels[index] = level + lease.units;
          scheduleSweep();
        } else if (!lease.asking) {
          leases.delete(spec.id);
        }
      });
      if (holder !== undefined && state !== undefined) state.free = result.free;
      if (!result.slot || !result.allowed) {
        undo();
        unkeep();
        return { ...result, levels: result.slot ? levels : [], leased: specs.map(() => 0) };
      }
      if (slot !== undefined && state !== undefined && holder !== undefined) {
        free = result.free;
        state.holders.set(slot.holder, holder);
        // Few slots left: this instance's kept ones go back so others can have them.
        if (result.free < state.max * leaseFloor) void returnIdleSlots(slot.id, state);
      }
    }
    if (slot !== undefined && state !== undefined && kept !== undefined) {
      state.holders.set(slot.holder, kept.holder);
      free = state.free;
    }
    for (const index of local) {
      const lease = leases.get((specs[index] as BucketSpec).id);
      if (lease !== undefined) levels[index] = levelOf(lease, time);
    }
    return { slot: true, free, allowed: true, levels, leased: specs.map(() => 0) };
  }

  return {
    async take(specs) {
      const { allowed, levels, leased } = await admit(undefined, specs);
      return { allowed, levels, leased };
    },
    admit,
    admitNow,
    takeNow: (specs) => admitNow(undefined, specs),
    async adjust(adjustment) {
      if (!adjustLocally(adjustment)) await shared.adjust(adjustment);
    },
    async release(slot, adjustment) {
      const correction = adjustment !== undefined && !adjustLocally(adjustment) ? adjustment : undefined;
      const state = slots.get(slot.id);
      const holder = state?.holders.get(slot.holder);
      if (state === undefined || holder === undefined) {
        // Not admitted here (a store that failed open): the shared counters may still hold it.
        await shared.release(slot, correction);
        return;
      }
      state.holders.delete(slot.holder);
      if (state.idle.length < slotsKept(state.max) && state.free >= state.max * leaseFloor) {
        state.idle.push({ holder, since: now() });
        scheduleSweep();
        if (correction !== undefined) await shared.adjust(correction);
        return;
      }
      if (state.idle.length === 0 && state.holders.size === 0) slots.delete(slot.id);
      await shared.release({ id: slot.id, holder }, correction);
    },
    count: (id, windowMs) => shared.count(id, windowMs),
    async close() {
      if (sweeper !== undefined) clearTimeout(sweeper);
      sweeper = undefined;
      const returns: Promise<unknown>[] = [];
      for (const [id, lease] of leases) returns.push(returnUnits(id, lease));
      for (const [id, state] of slots) returns.push(returnIdleSlots(id, state));
      leases.clear();
      slots.clear();
      await Promise.all(returns);
      await shared.close();
    },
  };
}
