import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Podman } from "./podman.js";

/**
 * Local stand-ins for the Containerfile's two public bases, for machines with no container registry (CI),
 * assembled from this machine's own Node install. They copy the layout of the public images, so the
 * Containerfile needs no change for them:
 * - runtime, like gcr.io/distroless/nodejs20-debian12: /nodejs/bin/node, the libraries `ldd` names, the CA
 *   bundle, passwd/group with nonroot (65532), an empty /tmp. No shell, no package manager.
 * - build, like node:20-bookworm-slim: node and npm under /usr/local, and the shell and `env` that npm's
 *   scripts and bin shebangs need.
 * Both are built FROM scratch with --timestamp 0, so rebuilding them gives the same ids.
 */
export interface StandInBases {
  build: string;
  runtime: string;
}

const passwd = [
  "root:x:0:0:root:/root:/sbin/nologin",
  "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin",
  "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin",
  "",
].join("\n");
const group = ["root:x:0:", "nobody:x:65534:", "nonroot:x:65532:", ""].join("\n");

/** A file's shared libraries, as absolute paths (the vDSO has none). */
function libraries(binary: string): string[] {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1] as string);
}

/** Copies host files into the tree at the same paths, following links (the image holds the real files). */
function copyHostFiles(root: string, files: string[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(realpathSync(file), join(root, file));
  }
}

function commonTree(root: string, binaries: string[]): void {
  copyHostFiles(root, [...new Set(binaries.flatMap(libraries))]);
  copyHostFiles(root, ["/etc/ssl/certs/ca-certificates.crt"]);
  writeFileSync(join(root, "etc/passwd"), passwd);
  writeFileSync(join(root, "etc/group"), group);
  mkdirSync(join(root, "tmp"));
  chmodSync(join(root, "tmp"), 0o1777);
}

function runtimeTree(root: string, node: string): void {
  commonTree(root, [node]);
  mkdirSync(join(root, "nodejs/bin"), { recursive: true });
  cpSync(node, join(root, "nodejs/bin/node"));
}

function buildTree(root: string, node: string): void {
  const sh = realpathSync("/bin/sh");
  const env = realpathSync("/usr/bin/env");
  commonTree(root, [node, sh, env]);
  mkdirSync(join(root, "usr/local/bin"), { recursive: true });
  mkdirSync(join(root, "usr/bin"), { recursive: true });
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "root"));
  cpSync(node, join(root, "usr/local/bin/node"));
  cpSync(sh, join(root, "bin/sh"));
  cpSync(env, join(root, "usr/bin/env"));
  // npm as Node's own installer lays it out: lib/node_modules/npm, with bin links beside node.
  const npm = realpathSync(
    join(dirname(realpathSync(execFileSync("which", ["npm"], { encoding: "utf8" }).trim())), ".."),
  );
  cpSync(npm, join(root, "usr/local/lib/node_modules/npm"), { recursive: true });
  symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(root, "usr/local/bin/npm"));
  symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(root, "usr/local/bin/npx"));
}

const containerfile = [
  "FROM scratch",
  "COPY rootfs/ /",
  "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "",
].join("\n");

async function buildBase(podman: Podman, tag: string, fill: (root: string) => void): Promise<string> {
  const context = mkdtempSync(join(tmpdir(), "aegis-base-"));
  try {
    fill(join(context, "rootfs"));
    writeFileSync(join(context, "Containerfile"), containerfile);
    await podman.build(context, tag);
    return tag;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Builds both stand-ins into `podman`'s storage, tagged PREFIX-build and PREFIX-runtime. */
export async function buildStandInBases(podman: Podman, prefix: string): Promise<StandInBases> {
  const node = realpathSync(process.execPath);
  return {
    build: await buildBase(podman, `${prefix}-build`, (root) => buildTree(root, node)),
    runtime: await buildBase(podman, `${prefix}-runtime`, (root) => runtimeTree(root, node)),
  };
}
