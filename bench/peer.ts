/**
 * The peer gateway of `npm run bench`: Portkey's open-source gateway (`@portkey-ai/gateway`), installed in
 * bench/peer/ (a package of its own, never a dependency of Aegis) and pointed at an emulator per request
 * with its x-portkey-* headers.
 *
 * Portkey signs its Bedrock requests with the URL's host name but not its port, while the Host header it
 * sends carries the port; SigV4 covers the Host header, so against `http://127.0.0.1:4311` every signature
 * is wrong (and would be against any Bedrock endpoint on a non-default port). Its emulator therefore listens
 * on port 80 of a loopback address of its own, where the Host header has no port: one per BENCH_PORT_BASE,
 * so that two runs on one machine do not share it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { EMULATOR_CREDENTIALS } from "../src/emulator/server.js";
import { type Service, startNode } from "./processes.js";

const peerDir = new URL("peer/", import.meta.url).pathname;
const packageDir = `${peerDir}node_modules/@portkey-ai/gateway/`;

/** The loopback address of the peer's emulator for a run with this port base: 127.0.x.y, never 127.0.0.1. */
export function peerEmulatorHost(portBase: number): string {
  const low = portBase % 256;
  return `127.0.${Math.floor(portBase / 256) % 256}.${low < 2 ? low + 2 : low}`;
}

/** Installs bench/peer/ from its lockfile when it is not installed yet. */
export function installPeer(): void {
  if (existsSync(`${packageDir}package.json`)) return;
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", peerDir], { stdio: "inherit" });
}

export function peerVersion(): string {
  return (JSON.parse(readFileSync(`${packageDir}package.json`, "utf8")) as { version: string }).version;
}

export function startPeer(port: number, cpu: number | undefined, emulatorHost: string): Promise<Service> {
  return startNode(
    `${packageDir}build/start-server.js`,
    // Portkey refuses loopback custom hosts unless they are listed as trusted.
    { TRUSTED_CUSTOM_HOSTS: emulatorHost },
    `http://127.0.0.1:${port}/`,
    cpu,
    [],
    [`--port=${port}`, "--headless"],
  );
}

/** The headers that route a Portkey request to Bedrock at the peer's emulator (on port 80 of emulatorHost). */
export function peerHeaders(emulatorHost: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-portkey-provider": "bedrock",
    "x-portkey-aws-access-key-id": EMULATOR_CREDENTIALS.accessKeyId,
    "x-portkey-aws-secret-access-key": EMULATOR_CREDENTIALS.secretAccessKey,
    "x-portkey-aws-region": "us-east-1",
    "x-portkey-custom-host": `http://${emulatorHost}:80`,
  };
}
