/**
 * `tsx bench/profile-summary.ts FILE.cpuprofile [top] [inclusive-filter]`: where a V8 CPU profile
 * (node --cpu-prof) spends its time, as self time per package (node_modules/<package>, our src/ files, Node
 * internals, GC, idle) and per function, and the inclusive time (the function and all it calls) of the
 * functions whose "name package" matches the filter regex. Enough to say where the time goes without a
 * flame graph.
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return url.replace(/^node:(internal\/)?/, "node:").split("/")[0] ?? url;
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const ours = /\/(dist|src)\/(.*)$/.exec(url);
  return ours ? `aegis ${ours[2]}` : url;
}

/** dist/ is a bundle (scripts/build.ts): its source maps say which package or src/ file a frame came from. */
const sourceMaps = new Map<string, SourceMap | undefined>();

function sourceMapOf(url: string): SourceMap | undefined {
  if (!sourceMaps.has(url)) {
    const path = url.startsWith("file://") ? `${fileURLToPath(url)}.map` : undefined;
    sourceMaps.set(
      url,
      path && existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, "utf8"))) : undefined,
    );
  }
  return sourceMaps.get(url);
}

/** The frame's place in the original sources (a src/ file or a package), when its file has a source map. */
function original(frame: ProfileNode["callFrame"]): { url: string; lineNumber: number } {
  const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (!entry || !("originalSource" in entry)) return frame;
  return { url: entry.originalSource, lineNumber: entry.originalLine };
}

function summarise(file: string, top: number, inclusiveFilter: RegExp | undefined): void {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += micros;
    if (frame.functionName === "(idle)") {
      idle += micros;
      continue;
    }
    const place = original(frame);
    const pkg = packageOf(place.url, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const name = `${frame.functionName || "(anonymous)"} ${pkg}:${place.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const busy = total - idle;
  const print = (title: string, entries: Map<string, number>) => {
    console.log(`\n${title} (self time, % of busy)`);
    for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `${((micros / busy) * 100).toFixed(1).padStart(6)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
      );
    }
  };
  console.log(`${file}: ${(busy / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle`);
  print("by package", byPackage);
  print("by function", byFunction);
  if (inclusiveFilter)
    print(`inclusive, matching ${inclusiveFilter}`, inclusive(profile, selfMicros, inclusiveFilter));
}

/** Time spent in each matching function including its callees, counting recursive frames once. */
function inclusive(profile: Profile, selfMicros: Map<number, number>, filter: RegExp): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const counted = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === "(idle)") break;
      const name = `${frame.functionName || "(anonymous)"} ${packageOf(original(frame).url, frame.functionName)}`;
      if (counted.has(name) || !filter.test(name)) continue;
      counted.add(name);
      totals.set(name, (totals.get(name) ?? 0) + micros);
    }
  }
  return totals;
}

const [file, top, filter] = process.argv.slice(2);
if (!file) {
  console.error("usage: tsx bench/profile-summary.ts FILE.cpuprofile [top] [inclusive-filter]");
  process.exit(1);
}
summarise(file, Number(top ?? 25), filter ? new RegExp(filter) : undefined);
