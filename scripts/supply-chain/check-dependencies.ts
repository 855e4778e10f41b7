/**
 * `npm run check:deps`: the production dependency budget and licences, on the installed node_modules.
 * Prints the number of production packages (what `npm ls --omit=dev --all --parseable` lists) and fails
 * above BUDGET, or when one of them has a licence Apache-2.0 code cannot ship (scripts/supply-chain/licences.ts).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { licenceProblems } from "./licences.js";

/**
 * 109 packages today (24 direct): prom-client brought 3, the OpenTelemetry tracing packages 11 (both loaded
 * only when configured). Raising it is a reviewed decision, with the README's list of direct dependencies
 * updated.
 */
export const BUDGET = 115;

const root = new URL("../..", import.meta.url).pathname;
const listed = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\n")
  .filter(Boolean)
  .slice(1); // the project itself
const packages = listed.map((dir) => {
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    name: string;
    version: string;
    license?: string | { type?: string };
  };
  const licence = typeof manifest.license === "object" ? manifest.license.type : manifest.license;
  return { name: manifest.name, version: manifest.version, licence, path: relative(root, dir) };
});

console.log(`production packages: ${packages.length} (budget ${BUDGET})`);
const problems = licenceProblems(packages);
if (packages.length > BUDGET) {
  problems.unshift(`${packages.length} production packages exceed the budget of ${BUDGET}`);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`check:deps: ${problem}`);
  process.exit(1);
}
console.log("licences: all production licences are on the allowed list");
