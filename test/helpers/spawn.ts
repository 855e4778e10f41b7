import { type ChildProcess, spawn } from "node:child_process";

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Kills `child` if it still runs when the test process exits: a test that timed out before its cleanup ran
 * would otherwise leave a gateway running after the suite.
 */
export function killOnExit<Child extends ChildProcess>(child: Child): Child {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));
  return child;
}

/**
 * The real entry point with only the given environment; `nodeArgs` go before it. `entry` is src/main.ts (run
 * through tsx) unless a test runs a build of it.
 */
function spawnMain(env: Record<string, string>, nodeArgs: string[] = [], entry = "src/main.ts") {
  const script = entry.endsWith(".ts") ? ["--import", "tsx", entry] : [entry];
  return killOnExit(
    spawn(process.execPath, [...nodeArgs, ...script], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

/** Runs the real entry point (or `entry`) with the given environment and waits for it to exit. */
export function runMain(env: Record<string, string>, timeoutMs = 15_000, entry?: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawnMain(env, [], entry);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`main did not exit in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface MainProcess {
  /** The address from the "Server listening at" log line, e.g. https://127.0.0.1:40123. */
  url: string;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real entry point (or the build at `entry`) on a random loopback port (unless `env` says
 * otherwise) and resolves once it logs that it listens; `nodeArgs` are Node flags (e.g. for diagnostics).
 */
export function startMain(
  env: Record<string, string>,
  nodeArgs: string[] = [],
  entry?: string,
): Promise<MainProcess> {
  const child = spawnMain({ HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env }, nodeArgs, entry);
  let output = "";
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`main did not start listening; output: ${output}`));
    }, 60_000);
    const onOutput = (chunk: Buffer) => {
      output += chunk;
      const listening = /Server listening at (https?:\/\/[^"\s]+)/.exec(output);
      if (!listening?.[1]) return;
      clearTimeout(timer);
      resolve({ url: listening[1], process: child, output: () => output, stop });
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`main exited with ${code}: ${output}`));
    });
  });
}
