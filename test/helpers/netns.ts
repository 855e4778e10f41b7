import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { MediaServerEvent } from "../fixtures/media-server.mjs";

/**
 * A network namespace made for one test run, joined to this one by a veth pair on a /29 of 10.213.0.0/16
 * (a range nothing else here uses). The only change to the machine's own namespace is the address on our
 * veth end, and the route the kernel derives from it; both go away with the veth.
 */
export interface TestNamespace {
  name: string;
  /** Our end of the veth pair. */
  hostAddress: string;
  /** The namespace's end, where its servers listen. */
  address: string;
  /** An address of the test subnet that nobody holds: connections to it never complete. */
  unusedAddress: string;
  /** Start a program inside the namespace. */
  spawn(command: string, args: string[]): ChildProcess;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

const prefix = "aegis-ssrf-";
const vethOf = (pid: number) => ({ host: `as${pid}h`, inside: `as${pid}n` });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Namespaces left by earlier runs of this helper that died before their cleanup. */
function removeStale(): void {
  for (const line of ip("netns", "list").split("\n")) {
    const match = new RegExp(`^${prefix}(\\d+)\\b`).exec(line);
    const pid = Number(match?.[1]);
    if (!match || alive(pid)) continue;
    try {
      ip("link", "del", vethOf(pid).host);
    } catch {}
    try {
      ip("netns", "del", `${prefix}${pid}`);
    } catch {}
  }
}

/** A free /29 in 10.213.0.0/16, preferring one derived from the pid so parallel runs rarely collide. */
function freeSubnet(): { host: string; inside: string; unused: string } {
  const used = ip("-o", "-4", "addr", "show");
  for (let attempt = 0; attempt < 64; attempt++) {
    const n = (process.pid + attempt * 7919) % 8192;
    const prefix = `10.213.${n >> 5}.`;
    const first = (n & 31) * 8;
    if (!used.includes(` ${prefix}${first + 1}/`) && !used.includes(` ${prefix}${first + 2}/`)) {
      return {
        host: `${prefix}${first + 1}`,
        inside: `${prefix}${first + 2}`,
        unused: `${prefix}${first + 3}`,
      };
    }
  }
  throw new Error("no free /29 in 10.213.0.0/16");
}

/** Why namespaces cannot be made here, or undefined when they can (probes by making and removing one). */
export function namespaceUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to create network namespaces";
  const probe = `${prefix}probe-${process.pid}`;
  try {
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `the kernel refused a network namespace: ${stderr || (error as Error).message}`;
  }
}

export function createTestNamespace(): TestNamespace {
  removeStale();
  const name = `${prefix}${process.pid}`;
  const veth = vethOf(process.pid);
  const subnet = freeSubnet();
  const remove = () => {
    try {
      ip("link", "del", veth.host); // takes the peer with it
    } catch {}
    try {
      ip("netns", "del", name);
    } catch {}
  };
  try {
    ip("netns", "add", name);
    ip("link", "add", veth.host, "type", "veth", "peer", "name", veth.inside);
    ip("link", "set", veth.inside, "netns", name);
    ip("addr", "add", `${subnet.host}/29`, "dev", veth.host);
    ip("link", "set", veth.host, "up");
    ip("-n", name, "addr", "add", `${subnet.inside}/29`, "dev", veth.inside);
    ip("-n", name, "link", "set", veth.inside, "up");
    ip("-n", name, "link", "set", "lo", "up");
  } catch (error) {
    remove();
    throw error;
  }
  return {
    name,
    hostAddress: subnet.host,
    address: subnet.inside,
    unusedAddress: subnet.unused,
    spawn: (command, args) =>
      spawn("ip", ["netns", "exec", name, command, ...args], { stdio: ["ignore", "pipe", "inherit"] }),
    remove,
  };
}

/** A media server started with `spawn`, printing its events as JSON lines. */
export interface JsonLineProcess {
  child: ChildProcess;
  port: number;
  events: MediaServerEvent[];
  stop(): Promise<void>;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Resolves once the server printed {"ready": port}. */
export function waitForReady(child: ChildProcess, timeoutMs = 10_000): Promise<JsonLineProcess> {
  const events: MediaServerEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("server did not start"));
    }, timeoutMs);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const event = JSON.parse(line) as MediaServerEvent;
      events.push(event);
      if (typeof event.ready === "number") {
        clearTimeout(timer);
        resolve({ child, port: event.ready, events, stop: () => stop(child) });
      }
    });
  });
}

const mediaServerProgram = new URL("../fixtures/media-server.mjs", import.meta.url).pathname;

/** The media server fixture on the address of a namespace of its own; `stop` also removes the namespace. */
export async function startNamespacedMediaServer(): Promise<{
  ns: TestNamespace;
  server: JsonLineProcess;
  stop(): Promise<void>;
}> {
  const ns = createTestNamespace();
  try {
    const server = await waitForReady(ns.spawn(process.execPath, [mediaServerProgram, ns.address, "0"]));
    return {
      ns,
      server,
      async stop() {
        await server.stop();
        ns.remove();
      },
    };
  } catch (error) {
    ns.remove();
    throw error;
  }
}
