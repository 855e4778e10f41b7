/**
 * Preloaded into a gateway by bench/soak-memory.ts (`node --import ./bench/memory-probe.mjs`), never by
 * `npm start`: on SIGUSR2 it appends one JSON line to MEMORY_PROBE_FILE with process.memoryUsage() and V8's
 * heap spaces, before and after a full GC (when --expose-gc is on), and writes a heap snapshot when
 * MEMORY_PROBE_SNAPSHOTS names a directory.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import v8 from "node:v8";

const out = process.env.MEMORY_PROBE_FILE;
const snapshots = process.env.MEMORY_PROBE_SNAPSHOTS;
let taken = 0;

const sample = () => ({
  ...process.memoryUsage(),
  spaces: Object.fromEntries(
    v8
      .getHeapSpaceStatistics()
      .map((space) => [
        space.space_name,
        { size: space.space_size, used: space.space_used_size, physical: space.physical_space_size },
      ]),
  ),
});

if (out) {
  process.on("SIGUSR2", () => {
    taken++;
    const before = sample();
    globalThis.gc?.();
    const afterGc = sample();
    const snapshot = snapshots
      ? v8.writeHeapSnapshot(join(snapshots, `probe-${taken}.heapsnapshot`))
      : undefined;
    if (process.env.MEMORY_PROBE_SMAPS) {
      writeFileSync(
        join(process.env.MEMORY_PROBE_SMAPS, `smaps-${taken}.txt`),
        readFileSync("/proc/self/smaps"),
      );
    }
    appendFileSync(out, `${JSON.stringify({ before, afterGc, snapshot })}\n`);
  });
}
