import { execFileSync } from "node:child_process";
import type { Podman } from "./podman.js";
import type { StandInBases } from "./stand-in-bases.js";

/**
 * Builds the Containerfile the way CI does: on the stand-in bases, with no network. The build stage's
 * `npm ci` then reads the packages from this machine's npm cache (filled by the `npm ci` that CI runs first,
 * from the same lockfile, every tarball checked against its integrity hash), mounted as an overlay so the
 * build cannot change it, with NPM_CONFIG_OFFLINE=true. A user with a network builds the same file unchanged.
 */
export async function buildImage(
  podman: Podman,
  bases: StandInBases,
  tag: string,
  options: { context: string; extra?: string[] },
): Promise<string> {
  const cache = execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
  const revision = execFileSync("git", ["rev-parse", "HEAD"], {
    cwd: options.context,
    encoding: "utf8",
  }).trim();
  return podman.build(options.context, tag, [
    "--file",
    `${options.context}/Containerfile`,
    "--build-arg",
    `BUILD_BASE=${bases.build}`,
    "--build-arg",
    `RUNTIME_BASE=${bases.runtime}`,
    "--build-arg",
    "NPM_CONFIG_OFFLINE=true",
    "--build-arg",
    `REVISION=${revision}`,
    "--volume",
    `${cache}:/root/.npm:O`,
    ...(options.extra ?? []),
  ]);
}
