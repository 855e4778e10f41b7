import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gatewayLaunch } from "./signed.js";

const root = new URL("..", import.meta.url).pathname;

/** `taskset -c CPU` when the machine has it and more than one core, so gateway and load do not share a core. */
function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined) return [command, args];
  return ["taskset", ["-c", String(cpu), command, ...args]];
}

export interface Service {
  process: ChildProcess;
  pid: number;
  /** Where the program's stdout and stderr go (removed by stop()). */
  logFile: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Starts a node program and waits until `readyUrl` answers 2xx (or the program exits, which rejects). */
export async function startNode(
  script: string,
  env: Record<string, string>,
  readyUrl: string,
  cpu?: number,
  nodeArgs: string[] = [],
  scriptArgs: string[] = [],
): Promise<Service> {
  const [command, args] = pinned(cpu, process.execPath, [...nodeArgs, script, ...scriptArgs]);
  // Output goes to a file, as a container's log driver takes it: a pipe read by the busy load generator
  // would block the gateway's synchronous log writes and bill the wait to the gateway.
  const logFile = join(
    tmpdir(),
    `aegis-bench-${script.replace(/\W+/g, "-")}-${process.pid}-${Date.now()}.log`,
  );
  const log = openSync(logFile, "w");
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const output = () => readFileSync(logFile, "utf8").slice(-4000);
  const service: Service = {
    process: child,
    pid: child.pid ?? 0,
    logFile,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise((done) => {
          child.once("exit", done);
          child.kill("SIGTERM");
        });
      }
      rmSync(logFile, { force: true });
    },
  };
  const deadline = Date.now() + 30_000;
  while (!(await answers(readyUrl))) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}: ${output()}`);
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(`${script} did not answer ${readyUrl} within 30 s: ${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return service;
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

/** One gateway of a bench, `dist/main.js` (or the spec's `main=`) as `npm start` runs it, answering on `port`. */
export function startGateway(
  spec: string,
  port: number,
  emulatorUrl: string,
  cpu: number | undefined,
  extraNodeArgs: string[] = [],
): Promise<Service> {
  const launch = gatewayLaunch(spec, port, emulatorUrl);
  return startNode(launch.script, launch.env, `http://127.0.0.1:${port}/health`, cpu, [
    ...launch.nodeArgs,
    ...extraNodeArgs,
  ]);
}

/** bench/null-proxy.ts relaying to `upstream`: the cost of a process on the path, for comparison. */
export function startNullProxy(port: number, upstream: string, cpu: number | undefined): Promise<Service> {
  return startNode(
    "bench/null-proxy.ts",
    { NULL_PROXY_PORT: String(port), NULL_PROXY_UPSTREAM: upstream },
    `http://127.0.0.1:${port}/health`,
    cpu,
    ["--import", "tsx"],
  );
}

/**
 * Pins this process (the load generator) to CPU 1, away from the gateway on CPU 0, when there are two cores;
 * without taskset it stays unpinned, as on a one-core machine. True when it has two cores to pin to.
 */
export function pinLoadToSecondCpu(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" });
  } catch {
    // No taskset: unpinned.
  }
  return true;
}
