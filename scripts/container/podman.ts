import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * Podman as it works on the CI machines (issue 15): runc (crun refuses their hybrid cgroups), explicit
 * ulimits (root there lacks CAP_SYS_RESOURCE and podman's defaults exceed the machine's), and all storage in
 * one directory of our own, removed afterwards. Networking is never podman's default bridge, which would add
 * a bridge and routes to the machine's own namespace: builds and runs pass --network none or ns:PATH.
 */
export const ULIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=1024:1024"];

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class Podman {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private global(): string[] {
    return ["--root", join(this.dir, "root"), "--runroot", join(this.dir, "runroot"), "--runtime", "runc"];
  }

  /** Runs podman to completion; never throws on a non-zero exit (see `ok`). */
  run(args: string[], options: { timeoutMs?: number; stdin?: string } = {}): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn("podman", [...this.global(), ...args], { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(options.stdin ?? "");
    });
  }

  /** Runs podman and returns its stdout, or throws with its stderr. */
  async ok(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(`podman ${args.slice(0, 2).join(" ")} exited ${result.code}: ${result.stderr.trim()}`);
    }
    return result.stdout;
  }

  /** `podman build` with no network, fixed timestamps (the same inputs give the same image id) and our ulimits. */
  async build(context: string, tag: string, extra: string[] = []): Promise<string> {
    const args = ["build", "--network", "none", "--timestamp", "0", ...ULIMITS, "--quiet", "--tag", tag];
    const out = await this.ok([...args, ...extra, context], { timeoutMs: 600_000 });
    return out.trim().split("\n").at(-1) ?? "";
  }

  /** Removes every container and image of this storage, then the storage itself. */
  async destroy(): Promise<void> {
    await this.run(["rm", "--all", "--force", "--time", "0"]).catch(() => undefined);
    await this.run(["system", "reset", "--force"]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
