/**
 * Runs the CDK construct's tests (infra/, its own package). Installs infra's dependencies first when they
 * are missing or older than its lockfile, so `npm ci && npm test` on a fresh clone covers infra too.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const infra = fileURLToPath(new URL("../infra", import.meta.url));
const lockfile = `${infra}/package-lock.json`;
// npm writes this after every install; it is older than the lockfile once the lockfile changes.
const installed = `${infra}/node_modules/.package-lock.json`;

function run(args: string[]): void {
  const result = spawnSync("npm", args, { cwd: infra, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lockfile).mtimeMs) {
  run(["ci", "--no-audit", "--no-fund"]);
}
run(["test"]);
