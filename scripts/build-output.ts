/**
 * Where a build goes, so that building never pulls a file from under a running gateway.
 *
 * A gateway loads some chunks only on first use (SSM, the control-plane client, the tokenizer), possibly hours
 * after it started. Rebuilding in place (delete, then write) made those imports fail in a process that was
 * still running, e.g. an old instance draining while a new one starts. So each build is a directory of its
 * own, named after the hash of its content, and never written again:
 *
 *   OUTDIR/builds/<hash>/main.js, chunk-*.js, emulator/...   one complete build, immutable
 *   OUTDIR/main.js -> builds/<hash>/main.js                  a symlink, swapped atomically (rename)
 *   OUTDIR/emulator/main.js -> ../builds/<hash>/emulator/main.js
 *
 * Node resolves a symlinked entry point to its real path, so a running process imports its lazy chunks from
 * its own build directory whatever the symlinks later point to. Rebuilding unchanged sources yields the same
 * hash and changes nothing; concurrent builds each write a private staging directory and the last swap wins.
 * Old builds are deleted only beyond the `keptBuilds` most recently installed.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";

/** Builds kept besides those the symlinks point to, for gateways still running an earlier one. */
export const keptBuilds = 10;

/** A fresh, private directory for esbuild to write one build into. */
export function stagingDirectory(outdir: string): string {
  mkdirSync(join(outdir, "builds"), { recursive: true });
  const staging = mkdtempSync(join(outdir, "builds", ".staging-"));
  // mkdtemp makes it private (0700); a gateway may run as another user than the one who built it.
  chmodSync(staging, 0o755);
  return staging;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)))
    .sort();
}

function contentHash(directory: string): string {
  const hash = createHash("sha256");
  for (const file of filesUnder(directory)) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(directory, file)));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** Points `link` at `target` in one rename, so a reader sees the old target or the new one, never none. */
function swapSymlink(link: string, target: string): void {
  mkdirSync(dirname(link), { recursive: true });
  const temporary = `${link}.${process.pid}.${Date.now()}.tmp`;
  symlinkSync(relative(dirname(link), target), temporary);
  renameSync(temporary, link);
}

function removeOldBuilds(builds: string): void {
  const installed = readdirSync(builds, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .map((entry) => ({ path: join(builds, entry.name), at: statSync(join(builds, entry.name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const old of installed.slice(keptBuilds + 1)) rmSync(old.path, { recursive: true, force: true });
  // Staging directories of builds that died midway; a live one is seconds old.
  const hourAgo = Date.now() - 3_600_000;
  for (const entry of readdirSync(builds)) {
    const path = join(builds, entry);
    if (entry.startsWith(".staging-") && statSync(path).mtimeMs < hourAgo) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

/**
 * Moves the build in `staging` to OUTDIR/builds/<hash> (or drops it if that build exists already) and points
 * OUTDIR/<entry> at it for each entry point. Returns the build's directory.
 */
export function installBuild(outdir: string, staging: string, entries: string[]): string {
  const builds = join(outdir, "builds");
  const build = join(builds, contentHash(staging));
  try {
    renameSync(staging, build);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    // The same build is installed already (an unchanged rebuild, or a concurrent one that won).
    rmSync(staging, { recursive: true, force: true });
  }
  const now = new Date();
  utimesSync(build, now, now);
  for (const entry of entries) swapSymlink(join(outdir, entry), join(build, entry));
  removeOldBuilds(builds);
  return build;
}
