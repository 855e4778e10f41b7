/**
 * Preloaded into a gateway by bench/inflight-rss.ts (INFLIGHT_PROBE=1 or =snapshot), bench only: on SIGUSR2
 * it writes to MEMORY_PROBE_FILE the process's memory as it is (retained and garbage not collected yet), then
 * after a full collection (retained only), and with MEMORY_PROBE_SNAPSHOT a heap snapshot taken after it.
 * Needs node's --expose-gc.
 */
import { writeFileSync } from "node:fs";
import { writeHeapSnapshot } from "node:v8";

const file = process.env.MEMORY_PROBE_FILE;
const snapshot = process.env.MEMORY_PROBE_SNAPSHOT;
const collect = (globalThis as { gc?: () => void }).gc;

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
function usage() {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return {
    rss: mib(rss),
    heapTotal: mib(heapTotal),
    heapUsed: mib(heapUsed),
    external: mib(external),
    arrayBuffers: mib(arrayBuffers),
  };
}

if (file && collect) {
  process.on("SIGUSR2", () => {
    const asIs = usage();
    collect();
    const retained = usage();
    if (snapshot) writeHeapSnapshot(snapshot);
    writeFileSync(file, JSON.stringify({ asIs, retained }));
  });
}
