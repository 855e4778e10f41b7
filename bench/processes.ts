import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;

/** `taskset -c CPU` when the machine has it and more than one core, so gateway and load do not share a core. */
function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined) return [command, args];
  return ["taskset", ["-c", String(cpu), command, ...args]];
}

export interface Service {
  process: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a node program and waits until `readyUrl` answers. */
export async function startNode(
  script: string,
  env: Record<string, string>,
  readyUrl: string,
  cpu?: number,
  nodeArgs: string[] = [],
): Promise<Service> {
  const [command, args] = pinned(cpu, process.execPath, [...nodeArgs, script]);
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const service: Service = {
    process: child,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}: ${stderr}`);
    const up = await fetch(readyUrl).then(
      () => true,
      () => false,
    );
    if (up) return service;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await service.stop();
  throw new Error(`${script} did not start: ${stderr}`);
}

/** User + system CPU time of a process in milliseconds, from /proc. */
export function cpuMillis(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}
