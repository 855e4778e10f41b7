export interface Row {
  target: string;
  mode: string;
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** Gateway rows only. */
  cpuPerRequest?: number;
  rss?: number;
  /** Connections the gateway opened to the emulator during this cell. */
  connections?: number;
}

const fixed = (value: number | undefined, digits = 2) => (value === undefined ? "" : value.toFixed(digits));

/** The bench result as a Markdown table; gateway rows are compared with the direct row of the same cell. */
export function printTable(rows: Row[], run: { seconds: number; cores: number }): void {
  console.log(`\n${run.seconds} s per cell, ${run.cores} cores, node ${process.version}\n`);
  console.log(
    "| mode | c | target | req/s | p50 ms | p99 ms | errors | gateway CPU ms/req | gateway RSS MiB | connections opened / requests | added p50 ms | req/s ratio |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) {
    const direct = rows.find(
      (r) => r.target === "emulator direct" && r.mode === row.mode && r.concurrency === row.concurrency,
    );
    const isGateway = row.target !== "emulator direct";
    const cells = [
      row.mode,
      row.concurrency,
      row.target,
      row.rps.toFixed(0),
      row.p50,
      row.p99,
      row.errors,
      fixed(row.cpuPerRequest, 3),
      fixed(row.rss, 0),
      row.connections === undefined ? "" : `${row.connections} / ${row.requests}`,
      isGateway && direct ? fixed(row.p50 - direct.p50) : "",
      isGateway && direct ? fixed(row.rps / direct.rps) : "",
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}

const STREAM_MODES = ["stream (8 deltas)", "anthropic stream (8 deltas)"];

/**
 * The ratios the performance targets are stated in, within this one run: each Aegis transport's CPU per
 * streamed request over its CPU per non-streamed chat request at the same concurrency (target ≤ 1.3), and
 * Aegis's throughput over the peer's in each chat cell (target ≥ 5 for streams).
 */
export function printRatios(rows: Row[]): void {
  const find = (target: string, mode: string, concurrency: number) =>
    rows.find((r) => r.target === target && r.mode === mode && r.concurrency === concurrency);
  const aegis = [...new Set(rows.map((r) => r.target).filter((t) => t.startsWith("aegis")))];
  const peer = rows.find((r) => r.target.startsWith("portkey"))?.target;
  const concurrencies = [...new Set(rows.map((r) => r.concurrency))];
  console.log(
    "\n| target | c | stream CPU ÷ non-stream CPU (chat) | (anthropic) | req/s ÷ peer, non-stream | req/s ÷ peer, stream |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const target of aegis) {
    for (const c of concurrencies) {
      const plain = find(target, "non-stream", c);
      const cells = STREAM_MODES.map((mode) => {
        const streamed = find(target, mode, c);
        return plain?.cpuPerRequest && streamed?.cpuPerRequest
          ? fixed(streamed.cpuPerRequest / plain.cpuPerRequest)
          : "";
      });
      const versus = (mode: string) => {
        const mine = find(target, mode, c);
        const theirs = peer ? find(peer, mode, c) : undefined;
        return mine && theirs && theirs.rps > 0 ? fixed(mine.rps / theirs.rps) : "";
      };
      console.log(
        `| ${target} | ${c} | ${cells.join(" | ")} | ${versus("non-stream")} | ${versus("stream (8 deltas)")} |`,
      );
    }
  }
}

export interface SweepPoint {
  /** The gateway, as in the main table (`aegis lean`, `aegis lean+main=…`). */
  target: string;
  route: string;
  deltas: number;
  /** Gateway CPU milliseconds per request. */
  cpuPerRequest: number;
  rps: number;
  errors: number;
}

/** Least squares: CPU per request = intercept + slope × deltas. */
function linearFit(points: SweepPoint[]): { slope: number; intercept: number } {
  const n = points.length;
  const meanX = points.reduce((sum, p) => sum + p.deltas, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.cpuPerRequest, 0) / n;
  const sxx = points.reduce((sum, p) => sum + (p.deltas - meanX) ** 2, 0);
  const sxy = points.reduce((sum, p) => sum + (p.deltas - meanX) * (p.cpuPerRequest - meanY), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

/** The delta-count sweep: CPU per request against deltas; the slope is the cost of one delta. */
export function printSweep(points: SweepPoint[], concurrency: number): void {
  console.log(`\nStreams by delta count (c=${concurrency}):\n`);
  console.log("| target | route | deltas | req/s | errors | gateway CPU µs/req |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const p of points) {
    console.log(
      `| ${p.target} | ${p.route} | ${p.deltas} | ${p.rps.toFixed(0)} | ${p.errors} | ${(p.cpuPerRequest * 1000).toFixed(0)} |`,
    );
  }
  console.log("\n| target | route | CPU per delta µs (slope) | CPU per stream µs (intercept) |");
  console.log("| --- | --- | --- | --- |");
  for (const target of [...new Set(points.map((p) => p.target))]) {
    for (const route of [...new Set(points.map((p) => p.route))]) {
      const { slope, intercept } = linearFit(points.filter((p) => p.target === target && p.route === route));
      console.log(
        `| ${target} | ${route} | ${(slope * 1000).toFixed(2)} | ${(intercept * 1000).toFixed(0)} |`,
      );
    }
  }
}
