import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shippedNodeFlags } from "../bench/signed.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { emulatorEnvironment } from "./helpers/gateway.js";
import { type MainProcess, startMain } from "./helpers/spawn.js";

/**
 * `npm start` builds before it runs, so a second start (or a restart while the old process drains) builds
 * while a gateway is running from the same dist/. The running gateway loads some chunks only on first use;
 * a build must never take them away. Each call below is the first use of its chunk, made while builds run.
 */
const root = new URL("..", import.meta.url).pathname;
const key = randomBytes(32).toString("base64url");
// Inside the checkout, so that the bundle's require() finds node_modules as it does from dist/.
const outdir = mkdtempSync(join(root, ".build-test-"));
const buildScript = ["--import", "tsx", "scripts/build.ts", outdir];
let emulator: Emulator;
let gateway: MainProcess;

beforeAll(async () => {
  execFileSync(process.execPath, buildScript, { cwd: root });
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  emulator.setParameter("/aegis/key", key);
  gateway = await startMain(
    { ...emulatorEnvironment(emulator), API_KEY_SSM_PARAMETER: "/aegis/key" },
    shippedNodeFlags(),
    join(outdir, "main.js"),
  );
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await emulator?.close();
  rmSync(outdir, { recursive: true, force: true });
});

/** Runs `count` builds at once into the gateway's dist/; resolves when all have finished. */
function rebuild(count: number): Promise<unknown> {
  const run = promisify(execFile);
  return Promise.all(Array.from({ length: count }, () => run(process.execPath, buildScript, { cwd: root })));
}

/**
 * Waits until the builds are done or the entry point has gone (a build that deletes dist/ first, as the
 * build once did): then the running gateway must still load what it has not loaded yet.
 */
async function whileBuilding(builds: Promise<unknown>): Promise<void> {
  let done = false;
  void builds.finally(() => {
    done = true;
  });
  while (!done && existsSync(join(outdir, "main.js"))) await new Promise((resolve) => setTimeout(resolve, 5));
}

const call = (path: string, body?: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe("building while a gateway runs from the same dist/", () => {
  it("leaves the running gateway's lazily loaded chunks in place, for one build and for two at once", async () => {
    const first = rebuild(1);
    await whileBuilding(first);
    // The control-plane client behind /v1/models, loaded on first use.
    const models = await call("/v1/models");
    expect(models.status, await models.clone().text()).toBe(200);
    await first;

    const concurrent = rebuild(2);
    await whileBuilding(concurrent);
    // The tokenizer behind token-array embeddings, loaded on first use.
    const embeddings = await call("/v1/embeddings", {
      model: "amazon.titan-embed-text-v2:0",
      input: [[9906, 1917]],
    });
    expect(embeddings.status, await embeddings.clone().text()).toBe(200);
    await concurrent;

    // Unchanged sources: every rebuild installed the same build, and the entry point still leads to it.
    expect(readdirSync(join(outdir, "builds"))).toHaveLength(1);
    expect(existsSync(join(outdir, "main.js"))).toBe(true);
  }, 120_000);
});
