import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shippedNodeFlags } from "../../bench/signed.js";
import { buildImage } from "../../scripts/container/build-image.js";
import { Podman, ULIMITS } from "../../scripts/container/podman.js";
import { buildStandInBases, type StandInBases } from "../../scripts/container/stand-in-bases.js";
import { licenceProblems } from "../../scripts/supply-chain/licences.js";
import { missingFromSbom, PACKAGE_MANIFEST, sbomPackages } from "../../scripts/supply-chain/sbom.js";
import { EMULATOR_CREDENTIALS } from "../../src/emulator/server.js";
import { TestPki } from "../helpers/certificates.js";

/**
 * Issue 15: the image is built from the Containerfile (on stand-in bases, with no network) and run the way
 * production runs it, and each hardening claim is checked on the running image: (a) it serves the official
 * openai client, (b) as 65532 with no capabilities and no new privileges, (c) on a read-only root, (d) with
 * no shell or package manager in it, (e) draining on SIGTERM, (f) serving HTTPS from mounted files. Each
 * check also runs once against a deliberately weakened variant and must fail there.
 *
 * The containers join a network namespace this test makes (loopback only), never podman's bridge; the
 * emulator and the openai client run inside the same namespace (`ip netns exec`).
 */
const root = new URL("../..", import.meta.url).pathname;
const id = `aegis-ctr-${process.pid}`;
const key = randomBytes(32).toString("base64url");
const emulatorPort = 4010;

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, podman storage)";
  for (const tool of ["podman", "runc", "ip"]) {
    try {
      execFileSync("which", [tool], { stdio: "ignore" });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}
const skip = unavailable();

/** What production passes (README, "Container"): read-only root, no /dev/shm, no capabilities, 65532. */
const HARDENING = [
  "--read-only",
  "--read-only-tmpfs=false",
  "--ipc",
  "none",
  "--cap-drop=ALL",
  "--security-opt",
  "no-new-privileges",
  "--user",
  "65532:65532",
  "--pids-limit",
  "256",
  "--memory",
  "512m",
  ...ULIMITS,
];

const NODE = "/nodejs/bin/node";

/** Programs that must not be in the image: shells, package managers, downloaders. */
const FORBIDDEN = new Set([
  "sh",
  "bash",
  "dash",
  "ash",
  "zsh",
  "busybox",
  "apt",
  "apt-get",
  "dpkg",
  "npm",
  "npx",
  "yarn",
  "pnpm",
  "corepack",
  "curl",
  "wget",
]);

function forbiddenFiles(paths: string[]): string[] {
  return paths.filter((path) => FORBIDDEN.has(path.replace(/\/$/, "").split("/").at(-1) ?? ""));
}

/** The hardening of a process, from its /proc/PID/status. */
function hardeningOf(status: string) {
  const field = (name: string) =>
    new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1]?.trim().split(/\s+/);
  return {
    uid: field("Uid")?.[0],
    gid: field("Gid")?.[0],
    capEff: field("CapEff")?.[0],
    capBnd: field("CapBnd")?.[0],
    noNewPrivs: field("NoNewPrivs")?.[0],
  };
}
const HARDENED = {
  uid: "65532",
  gid: "65532",
  capEff: "0000000000000000",
  capBnd: "0000000000000000",
  noNewPrivs: "1",
};

/** Tries to create a file in each place; prints the error code (or "written") of each. */
const writeProbe = `
const fs = require("node:fs");
const out = {};
for (const dir of ["/", "/app", "/tmp", "/dev/shm"]) {
  try { fs.writeFileSync(dir + "/probe-" + process.pid, "x"); out[dir] = "written"; } catch (e) { out[dir] = e.code; }
}
console.log(JSON.stringify(out));`;

let podman: Podman;
let bases: StandInBases;
let image: string;
let imageId: string;
let pki: TestPki | undefined;
let emulator: ChildProcess | undefined;
let namespaceMade = false;

/** Runs the openai client inside the namespace. */
function client(url: string, mode: "plain" | "stream" = "plain", env: Record<string, string> = {}) {
  return spawn(
    "ip",
    ["netns", "exec", id, process.execPath, join(root, "test/container/client.mjs"), url, key, mode],
    { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

async function clientResult(url: string, env: Record<string, string> = {}) {
  const result = await finished(client(url, "plain", env));
  if (result.code !== 0) throw new Error(`client failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { health: { status: number; body: unknown }; content?: string };
}

/** Starts the gateway image in the namespace, hardened unless told otherwise, and waits until it listens. */
async function startGateway(name: string, extra: string[], env: Record<string, string>): Promise<void> {
  const envArgs = Object.entries({
    AWS_ENDPOINT_URL: `http://127.0.0.1:${emulatorPort}`,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: "us-east-1",
    API_KEY: key,
    ...env,
  }).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
  await podman.ok([
    "run",
    "--detach",
    "--name",
    name,
    "--network",
    `ns:/run/netns/${id}`,
    ...HARDENING,
    ...extra,
    ...envArgs,
    image,
  ]);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const logs = await podman.run(["logs", name]);
    if (/listening/i.test(logs.stdout + logs.stderr)) return;
    const state = (await podman.ok(["inspect", "--format", "{{.State.Status}}", name])).trim();
    if (state !== "running") throw new Error(`${name} ${state}: ${logs.stdout}${logs.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not start listening`);
}

/** Runs the image's own node with a script (there is no shell to run anything else). */
async function nodeIn(container: string, script: string): Promise<string> {
  return podman.ok(["exec", container, NODE, "-e", script]);
}

/** Runs a one-off script in a fresh container of the image, with the given run options. */
async function nodeRun(options: string[], script: string): Promise<string> {
  return podman.ok([
    "run",
    "--rm",
    "--network",
    "none",
    ...ULIMITS,
    ...options,
    "--entrypoint",
    NODE,
    image,
    "-e",
    script,
  ]);
}

/** Every path in an image, from the tar of a container made (not started) from it. */
async function fileList(ref: string): Promise<string[]> {
  const name = `${id}-list-${randomBytes(3).toString("hex")}`;
  await podman.ok(["create", "--name", name, "--network", "none", ref, "/nothing"]);
  try {
    const tar = join(podman.dir, `${name}.tar`);
    await podman.ok(["export", "--output", tar, name]);
    const list = execFileSync("tar", ["-tf", tar], { encoding: "utf8", maxBuffer: 64 << 20 });
    rmSync(tar);
    return list.split("\n").filter(Boolean);
  } finally {
    await podman.run(["rm", "--force", name]);
  }
}

describe.skipIf(skip)("the container image", () => {
  const http = `${id}-http`;
  const https = `${id}-https`;

  beforeAll(async () => {
    podman = new Podman(mkdtempSync(join(tmpdir(), "aegis-podman-")));
    try {
      execFileSync("ip", ["netns", "add", id]);
      namespaceMade = true;
      execFileSync("ip", ["-n", id, "link", "set", "lo", "up"]);
      bases = await buildStandInBases(podman, `localhost/${id}-base`);
      image = `localhost/${id}`;
      imageId = await buildImage(podman, bases, image, { context: root });

      emulator = spawn(
        "ip",
        ["netns", "exec", id, process.execPath, "--import", "tsx", "src/emulator/main.ts"],
        {
          cwd: root,
          env: { ...process.env, EMULATOR_PORT: String(emulatorPort) },
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      await new Promise<void>((resolve, reject) => {
        emulator?.stdout?.on("data", (chunk) => String(chunk).includes("listening") && resolve());
        emulator?.once("exit", (code) => reject(new Error(`emulator exited ${code}`)));
      });

      pki = new TestPki();
      pki.issue("server");
      // The key is mounted for uid 65532 to read; a real deployment grants that by group or ownership.
      chmodSync(pki.path("server.key"), 0o644);
      await Promise.all([
        startGateway(http, [], { PORT: "8000" }),
        startGateway(
          https,
          [
            "--volume",
            `${pki.path("server.pem")}:/etc/aegis/tls/server.pem:ro`,
            "--volume",
            `${pki.path("server.key")}:/etc/aegis/tls/server.key:ro`,
          ],
          {
            PORT: "8443",
            GRANIAN_SSL_CERTIFICATE: "/etc/aegis/tls/server.pem",
            GRANIAN_SSL_KEYFILE: "/etc/aegis/tls/server.key",
          },
        ),
      ]);
    } catch (error) {
      // afterAll still runs; say what broke first.
      console.error(error);
      throw error;
    }
  }, 900_000);

  afterAll(async () => {
    emulator?.kill("SIGTERM");
    await podman?.destroy();
    if (namespaceMade) {
      try {
        execFileSync("ip", ["netns", "del", id]);
      } catch {}
    }
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  }, 120_000);

  it("is configured as the README says: entrypoint with npm start's V8 flags, user, port, labels", async () => {
    const [config] = JSON.parse(await podman.ok(["image", "inspect", image])) as {
      Config: {
        Entrypoint: string[];
        User: string;
        ExposedPorts: Record<string, unknown>;
        Labels: Record<string, string>;
      };
    }[];
    expect(config?.Config.Entrypoint).toEqual([NODE, ...shippedNodeFlags(), "dist/main.js"]);
    expect(config?.Config.User).toBe("65532:65532");
    expect(Object.keys(config?.Config.ExposedPorts ?? {})).toEqual(["8000/tcp"]);
    for (const label of ["source", "version", "licenses", "revision"]) {
      expect(config?.Config.Labels[`org.opencontainers.image.${label}`]).toBeTruthy();
    }
    expect(config?.Config.Labels["org.opencontainers.image.licenses"]).toBe("Apache-2.0");
  });

  it("(a) answers /health and a chat completion from the official openai client", async () => {
    const result = await clientResult("http://127.0.0.1:8000");
    expect(result.health).toEqual({ status: 200, body: { status: "ok" } });
    expect(result.content).toBeTruthy();
    // The health check script of the image, run by its own node (Docker's HEALTHCHECK, ECS's healthCheck).
    await expect(
      nodeIn(http, "require('node:child_process').execFileSync(process.execPath, ['/app/healthcheck.mjs'])"),
    ).resolves.toBeDefined();
  });

  it("(a, weakened) fails without the key the gateway expects", async () => {
    const wrong = await finished(
      spawn(
        "ip",
        [
          "netns",
          "exec",
          id,
          process.execPath,
          join(root, "test/container/client.mjs"),
          "http://127.0.0.1:8000",
          "wrong-key",
        ],
        {
          cwd: root,
          stdio: ["ignore", "pipe", "pipe"],
        },
      ),
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401/);
  });

  it("(b) runs as 65532:65532 with no capabilities, effective or bounding, and no new privileges", async () => {
    const status = await nodeIn(
      http,
      "process.stdout.write(require('node:fs').readFileSync('/proc/1/status', 'utf8'))",
    );
    expect(hardeningOf(status)).toEqual(HARDENED);
  });

  it("(b, weakened) the same check fails as root with podman's default capabilities", async () => {
    const status = await nodeRun(
      ["--user", "0:0"],
      "process.stdout.write(require('node:fs').readFileSync('/proc/self/status', 'utf8'))",
    );
    expect(hardeningOf(status)).not.toEqual(HARDENED);
    expect(hardeningOf(status).capBnd).not.toBe(HARDENED.capBnd);
  });

  it("(c) cannot write to /, /app or /tmp (EROFS), and has no /dev/shm", async () => {
    const result = JSON.parse(await nodeIn(http, writeProbe));
    // With --ipc none there is no /dev/shm at all (podman's default mounts a writable tmpfs there).
    expect(result).toEqual({ "/": "EROFS", "/app": "EROFS", "/tmp": "EROFS", "/dev/shm": "ENOENT" });
  });

  it("(c, weakened) the same probe writes without --read-only", async () => {
    const result = JSON.parse(await nodeRun(["--user", "65532:65532"], writeProbe));
    expect(result["/tmp"]).toBe("written");
    expect(result["/dev/shm"]).toBe("written");
  });

  it("(d) holds no shell, package manager or downloader", async () => {
    const files = await fileList(image);
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain("nodejs/bin/node");
    expect(forbiddenFiles(files)).toEqual([]);
  });

  it("(d, weakened) the same check finds the shell and npm of the build base", async () => {
    const found = forbiddenFiles(await fileList(bases.build));
    expect(found).toEqual(expect.arrayContaining(["bin/sh", "usr/local/bin/npm"]));
  });

  it("(f) serves HTTPS from mounted certificate files on the read-only image", async () => {
    const result = await clientResult("https://127.0.0.1:8443", {
      NODE_EXTRA_CA_CERTS: pki?.path("ca.pem") ?? "",
    });
    expect(result.health.status).toBe(200);
    expect(result.content).toBeTruthy();
  });

  it("(f, weakened) the same client refuses the server without the CA that signed it", async () => {
    const refused = await finished(client("https://127.0.0.1:8443"));
    expect(refused.code).not.toBe(0);
  });

  it("ships an SBOM that is valid CycloneDX and lists every package in node_modules, all with allowed licences", async () => {
    const files = await fileList(image);
    const manifests = files.filter(
      (f) => f.startsWith("app/node_modules/") && PACKAGE_MANIFEST.test(f.slice(4)),
    );
    expect(manifests.length).toBeGreaterThan(50);
    const name = `${id}-sbom`;
    await podman.ok(["create", "--name", name, "--network", "none", image, "/nothing"]);
    const out = mkdtempSync(join(tmpdir(), "aegis-sbom-"));
    try {
      await podman.ok(["cp", `${name}:/app/sbom.cdx.json`, join(out, "sbom.cdx.json")]);
      await podman.ok(["cp", `${name}:/app/node_modules`, join(out, "node_modules")]);
      const text = readFileSync(join(out, "sbom.cdx.json"), "utf8");
      const schemaErrors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text);
      expect(schemaErrors).toBeNull();
      const listed = sbomPackages(JSON.parse(text));
      const installed = manifests.map((path) => {
        const manifest = JSON.parse(readFileSync(join(out, path.slice(4)), "utf8")) as {
          name: string;
          version: string;
        };
        return {
          path: PACKAGE_MANIFEST.exec(path.slice(4))?.[1] ?? path,
          name: manifest.name,
          version: manifest.version,
        };
      });
      expect(missingFromSbom(listed, installed)).toEqual([]);
      // Weakened: the same comparison notices one package left out of the SBOM.
      expect(missingFromSbom(listed.slice(1), installed)).toHaveLength(1);
      expect(licenceProblems(listed)).toEqual([]);
    } finally {
      await podman.run(["rm", "--force", name]);
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("(e) drains an in-flight stream on SIGTERM and exits 0 within the stop timeout", async () => {
    const stream = client("http://127.0.0.1:8000", "stream");
    const done = finished(stream);
    await new Promise<void>((resolve, reject) => {
      stream.stderr?.on("data", (chunk) => String(chunk).includes("streaming") && resolve());
      stream.once("close", () => reject(new Error("stream ended before it began")));
    });
    const started = Date.now();
    await podman.ok(["stop", "--time", "30", http], { timeoutMs: 60_000 });
    // A generous bound that proves no hang: podman kills at 30 s, and that would also show as exit 137.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await podman.ok(["inspect", "--format", "{{.State.ExitCode}}", http])).trim()).toBe("0");
    const result = await done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).streamed.length).toBeGreaterThan(0);
  });

  it("(e, weakened) the same check fails for a process that ignores SIGTERM", async () => {
    const name = `${id}-stubborn`;
    await podman.ok([
      "run",
      "--detach",
      "--name",
      name,
      "--network",
      "none",
      ...HARDENING,
      "--entrypoint",
      NODE,
      image,
      "-e",
      "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await podman.ok(["stop", "--time", "1", name]);
    expect((await podman.ok(["inspect", "--format", "{{.State.ExitCode}}", name])).trim()).not.toBe("0");
  });

  it("is reproducible: rebuilding everything the runtime stage holds gives the same image id", async () => {
    // REBUILD invalidates the layer cache after the development install: the bundle, the production install,
    // the SBOM and the runtime stage are all made again.
    const again = await buildImage(podman, bases, `${image}-again`, {
      context: root,
      extra: ["--build-arg", `REBUILD=${process.pid}-${Date.now()}`],
    });
    expect(again).toBe(imageId);
  }, 600_000);
});
