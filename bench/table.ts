/** One target in one cell of one round. */
export interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** Gateway rows only. */
  cpuPerRequest?: number;
  rss?: number;
  connections?: number;
}

/**
 * One target in one cell over all rounds: rps, p50 and p99 are the medians of its rounds, errors and requests
 * their sums; for gateways, the median CPU per request, the largest RSS, and the connections opened to the
 * emulator in all rounds.
 */
export interface Row extends Round {
  target: string;
  mode: string;
  concurrency: number;
  rounds: Round[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** A cell's row from its rounds. */
export function medianRow(target: string, mode: string, concurrency: number, rounds: Round[]): Row {
  const cpu = rounds.map((r) => r.cpuPerRequest).filter((v): v is number => v !== undefined);
  const rss = rounds.map((r) => r.rss).filter((v): v is number => v !== undefined);
  const connections = rounds.map((r) => r.connections).filter((v): v is number => v !== undefined);
  return {
    target,
    mode,
    concurrency,
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    errors: sum(rounds.map((r) => r.errors)),
    requests: sum(rounds.map((r) => r.requests)),
    ...(cpu.length > 0 ? { cpuPerRequest: median(cpu) } : {}),
    ...(rss.length > 0 ? { rss: Math.max(...rss) } : {}),
    ...(connections.length > 0 ? { connections: sum(connections) } : {}),
    rounds,
  };
}

const fixed = (value: number | undefined, digits = 2) => (value === undefined ? "" : value.toFixed(digits));

/** The spread of a figure over the rounds: (largest − smallest) ÷ median, in %. */
function spread(values: number[]): string {
  if (values.length < 2) return "";
  const middle = median(values);
  return middle > 0 ? `${(((Math.max(...values) - Math.min(...values)) / middle) * 100).toFixed(0)}` : "";
}

/** The bench result as a Markdown table; gateway rows are compared with the direct row of the same cell. */
export function printTable(
  rows: Row[],
  run: { seconds: number; rounds: number; loader: string; cores: number },
): void {
  console.log(
    `\n${run.rounds} rounds of ${run.seconds} s per cell (medians; spread = (max − min) ÷ median over the rounds), load generator ${run.loader}, ${run.cores} cores, node ${process.version}\n`,
  );
  console.log(
    "| mode | c | target | req/s | p50 ms | p99 ms | errors | gateway CPU ms/req | gateway RSS MiB | connections opened / requests | added p50 ms | req/s ÷ direct | spread req/s % | spread CPU % |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) {
    const direct = rows.find(
      (r) => r.target === "emulator direct" && r.mode === row.mode && r.concurrency === row.concurrency,
    );
    const isGateway = row.target !== "emulator direct";
    const cpu = row.rounds.map((r) => r.cpuPerRequest).filter((v): v is number => v !== undefined);
    const cells = [
      row.mode,
      row.concurrency,
      row.target,
      row.rps.toFixed(0),
      fixed(row.p50, 1),
      fixed(row.p99, 1),
      row.errors,
      fixed(row.cpuPerRequest, 3),
      fixed(row.rss, 0),
      row.connections === undefined ? "" : `${row.connections} / ${row.requests}`,
      isGateway && direct ? fixed(row.p50 - direct.p50) : "",
      isGateway && direct ? fixed(row.rps / direct.rps) : "",
      spread(row.rounds.map((r) => r.rps)),
      spread(cpu),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}

const CHAT = "non-stream";
const STREAM = "stream (8 deltas)";
const ANTHROPIC_STREAM = "anthropic stream (8 deltas)";

/** The median over the rounds of a per-round ratio (rounds of the same index, measured minutes apart at most). */
function roundRatio(
  mine: Row | undefined,
  theirs: Row | undefined,
  figure: (r: Round) => number | undefined,
) {
  if (!mine || !theirs) return undefined;
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(mine.rounds.length, theirs.rounds.length); i++) {
    const a = figure(mine.rounds[i] as Round);
    const b = figure(theirs.rounds[i] as Round);
    if (a !== undefined && b !== undefined && b > 0) ratios.push(a / b);
  }
  return ratios.length > 0
    ? { value: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) }
    : undefined;
}

/**
 * The ratios the targets of issue 21 are stated in, within this one run, each with whether it is met: each
 * Aegis gateway's CPU per streamed request over its CPU per non-streamed chat request at the same
 * concurrency (≤ 1.3), and its streamed throughput, OpenAI and Anthropic routes, over the peer's streamed
 * chat at c=16 and 64 (≥ 5). Beside them, what the harness can show at all: the emulator's own streamed
 * throughput over the peer's (below 5, a gateway could not reach the throughput target here however fast).
 */
export function printRatios(rows: Row[]): void {
  const find = (target: string, mode: string, concurrency: number) =>
    rows.find((r) => r.target === target && r.mode === mode && r.concurrency === concurrency);
  const aegis = [...new Set(rows.map((r) => r.target).filter((t) => t.startsWith("aegis")))];
  const peer = rows.find((r) => r.target.startsWith("portkey"))?.target;
  const concurrencies = [...new Set(rows.map((r) => r.concurrency))];
  const lines: string[] = [];
  const line = (
    what: string,
    target: string,
    c: number,
    ratio: ReturnType<typeof roundRatio>,
    goal?: { atMost?: number; atLeast?: number },
  ) => {
    if (!ratio) return;
    const met =
      goal?.atMost !== undefined
        ? ratio.value <= goal.atMost
        : goal?.atLeast !== undefined
          ? ratio.value >= goal.atLeast
          : undefined;
    const goalText =
      goal?.atMost !== undefined
        ? `≤ ${goal.atMost}`
        : goal?.atLeast !== undefined
          ? `≥ ${goal.atLeast}`
          : "";
    lines.push(
      `| ${what} | ${target} | ${c} | ${fixed(ratio.value)} | ${fixed(ratio.low)}–${fixed(ratio.high)} | ${goalText} | ${met === undefined ? "" : met ? "met" : "NOT met"} |`,
    );
  };
  const cpu = (r: Round) => r.cpuPerRequest;
  const rps = (r: Round) => r.rps;
  for (const target of aegis) {
    for (const c of concurrencies) {
      const plain = find(target, CHAT, c);
      line("stream CPU ÷ non-stream CPU, chat", target, c, roundRatio(find(target, STREAM, c), plain, cpu), {
        atMost: 1.3,
      });
      line(
        "stream CPU ÷ non-stream CPU, anthropic",
        target,
        c,
        roundRatio(find(target, ANTHROPIC_STREAM, c), plain, cpu),
        {
          atMost: 1.3,
        },
      );
    }
  }
  if (peer) {
    for (const c of concurrencies) {
      const theirs = find(peer, STREAM, c);
      const goal = c >= 16 ? { atLeast: 5 } : undefined;
      line(
        "harness: emulator direct stream ÷ peer stream",
        "emulator direct",
        c,
        roundRatio(find("emulator direct", STREAM, c), theirs, rps),
        goal,
      );
      for (const target of aegis) {
        line("req/s ÷ peer, chat stream", target, c, roundRatio(find(target, STREAM, c), theirs, rps), goal);
        line(
          "req/s ÷ peer, anthropic stream ÷ peer chat stream",
          target,
          c,
          roundRatio(find(target, ANTHROPIC_STREAM, c), theirs, rps),
          goal,
        );
        line(
          "req/s ÷ peer, non-stream",
          target,
          c,
          roundRatio(find(target, CHAT, c), find(peer, CHAT, c), rps),
        );
      }
    }
  }
  if (lines.length === 0) return;
  console.log(
    "\nRatios within this run (median of the per-round ratios, and their range over the rounds):\n",
  );
  console.log("| ratio | gateway | c | value | rounds | target | |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const text of lines) console.log(text);
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
  console.log(
    "\n| target | route | CPU per delta µs (slope) | CPU per stream µs (intercept) | per delta ≤ 5 µs |",
  );
  console.log("| --- | --- | --- | --- | --- |");
  for (const target of [...new Set(points.map((p) => p.target))]) {
    for (const route of [...new Set(points.map((p) => p.route))]) {
      const { slope, intercept } = linearFit(points.filter((p) => p.target === target && p.route === route));
      console.log(
        `| ${target} | ${route} | ${(slope * 1000).toFixed(2)} | ${(intercept * 1000).toFixed(0)} | ${slope * 1000 <= 5 ? "met" : "NOT met"} |`,
      );
    }
  }
}
