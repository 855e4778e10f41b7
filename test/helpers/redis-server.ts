import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { killOnExit } from "./spawn.js";

/** A free TCP port on loopback, found by binding port 0 and releasing it. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  /** redis://127.0.0.1:PORT (with the password when one was asked for). */
  url: string;
  port: number;
  /** Stops the server (SIGKILL, as an outage would); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function waitUntilListening(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
  });
}

/**
 * A real redis-server (Debian's package, installed by .ci/run) on a free loopback port, with no persistence.
 * Call `stop()` in afterAll; the process is also killed if the test process exits first.
 */
export async function startRedisServer(options: { password?: string } = {}): Promise<RedisServer> {
  const port = await freeLoopbackPort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "yes",
    ...(options.password ? ["--requirepass", options.password] : []),
  ];
  let child: ChildProcess | undefined;
  const start = async () => {
    child = killOnExit(spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] }));
    await waitUntilListening(child);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGKILL");
    });
  };
  await start();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
  return { url: `redis://${auth}127.0.0.1:${port}`, port, stop, start };
}
