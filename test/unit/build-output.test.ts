import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { installBuild, keptBuilds, stagingDirectory } from "../../scripts/build-output.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** One build's output as esbuild would write it: an entry point and a chunk it loads lazily. */
function stage(outdir: string, text: string): string {
  const staging = stagingDirectory(outdir);
  writeFileSync(join(staging, "main.js"), `import("./chunk-${text}.js")`);
  writeFileSync(join(staging, `chunk-${text}.js`), text);
  mkdirSync(join(staging, "emulator"));
  writeFileSync(join(staging, "emulator", "main.js"), text);
  return staging;
}

function outdir(): string {
  const root = mkdtempSync(join(tmpdir(), `aegis-build-${process.pid}-`));
  roots.push(root);
  return root;
}

describe("installing a build", () => {
  it("swaps the entry points to a new build and leaves the previous one whole", () => {
    const out = outdir();
    const first = installBuild(out, stage(out, "one"), ["main.js", "emulator/main.js"]);
    const second = installBuild(out, stage(out, "two"), ["main.js", "emulator/main.js"]);
    expect(second).not.toBe(first);
    expect(readFileSync(join(out, "main.js"), "utf8")).toBe('import("./chunk-two.js")');
    expect(readFileSync(join(out, "emulator", "main.js"), "utf8")).toBe("two");
    expect(readlinkSync(join(out, "main.js"))).toBe(join("builds", basename(second), "main.js"));
    // What a gateway started on the first build still imports.
    expect(readFileSync(join(first, "chunk-one.js"), "utf8")).toBe("one");
  });

  it("installs an unchanged rebuild as the same build, and drops its staging directory", () => {
    const out = outdir();
    const first = installBuild(out, stage(out, "same"), ["main.js"]);
    const again = installBuild(out, stage(out, "same"), ["main.js"]);
    expect(again).toBe(first);
    expect(readFileSync(join(first, "chunk-same.js"), "utf8")).toBe("same");
    expect(readdirSync(join(out, "builds"))).toEqual([basename(first)]);
  });

  it(`keeps the ${keptBuilds} builds installed before the current one`, () => {
    const out = outdir();
    const installed: string[] = [];
    for (let index = 0; index < keptBuilds + 3; index++) {
      const build = installBuild(out, stage(out, `b${index}`), ["main.js"]);
      // Install order, as mtimes a second apart.
      const at = new Date(Date.now() - (keptBuilds + 3 - index) * 1000);
      utimesSync(build, at, at);
      installed.push(build);
    }
    const kept = installed.filter((build) => existsSync(build));
    expect(kept).toEqual(installed.slice(-(keptBuilds + 1)));
  });
});
