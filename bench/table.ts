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
