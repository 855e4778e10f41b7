/**
 * What a load added to the heap, per unit of load, by the kind of object: two V8 heap snapshots (before and
 * during, e.g. from bench/soak-memory.ts) → self size and count per constructor (or node type), the difference,
 * divided by N, largest first.
 *   npx tsx bench/heap-diff.ts BEFORE.heapsnapshot DURING.heapsnapshot N [ROWS=40]
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per "type:name" (objects by constructor; strings, code, arrays... by node type). */
function groups(path: string): Map<string, { bytes: number; count: number }> {
  const heap = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const result = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt] ?? 0] ?? "?";
    const name = heap.strings[heap.nodes[i + nameAt] ?? 0] ?? "?";
    // Strings and code by type alone: their names are their contents.
    const key = type === "object" || type === "closure" || type === "native" ? `${type}:${name}` : type;
    const group = result.get(key) ?? { bytes: 0, count: 0 };
    group.bytes += heap.nodes[i + sizeAt] ?? 0;
    group.count++;
    result.set(key, group);
  }
  return result;
}

const [beforePath, duringPath, perArg, rowsArg] = process.argv.slice(2);
if (!beforePath || !duringPath || !perArg) {
  console.error("usage: heap-diff.ts BEFORE.heapsnapshot DURING.heapsnapshot N [ROWS]");
  process.exit(2);
}
const per = Number(perArg);
const before = groups(beforePath);
const during = groups(duringPath);
const rows = [...during].map(([key, group]) => {
  const earlier = before.get(key) ?? { bytes: 0, count: 0 };
  return { key, bytes: (group.bytes - earlier.bytes) / per, count: (group.count - earlier.count) / per };
});
rows.sort((a, b) => b.bytes - a.bytes);
const total = rows.reduce((sum, row) => sum + row.bytes, 0);
console.log(`heap self size added per unit: ${total.toFixed(0)} bytes\n`);
console.log("| bytes per unit | objects per unit | kind |\n| --- | --- | --- |");
for (const row of rows.slice(0, Number(rowsArg ?? 40))) {
  console.log(`| ${row.bytes.toFixed(0)} | ${row.count.toFixed(2)} | ${row.key} |`);
}
