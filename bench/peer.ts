/**
 * The peer gateway of `npm run bench`: Portkey's open-source gateway (`@portkey-ai/gateway`), installed in
 * bench/peer/ (a package of its own, never a dependency of Aegis) and pointed at an emulator per request
 * with its x-portkey-* headers.
 *
 * Portkey signs its Bedrock requests with the URL's host name but not its port, while the Host header it
 * sends carries the port; SigV4 covers the Host header, so against `http://127.0.0.1:4311` every signature
 * is wrong (and would be against any Bedrock endpoint on a non-default port). Its emulator therefore listens
 * on port 80 of its own loopback address (127.0.0.2), where the Host header has no port.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { EMULATOR_CREDENTIALS } from "../src/emulator/server.js";
import { type Service, startNode } from "./processes.js";

const peerDir = new URL("peer/", import.meta.url).pathname;
const packageDir = `${peerDir}node_modules/@portkey-ai/gateway/`;
export const PEER_EMULATOR_URL = "http://127.0.0.2:80";

/** Installs bench/peer/ from its lockfile when it is not installed yet. */
export function installPeer(): void {
  if (existsSync(`${packageDir}package.json`)) return;
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", peerDir], { stdio: "inherit" });
}

export function peerVersion(): string {
  return (JSON.parse(readFileSync(`${packageDir}package.json`, "utf8")) as { version: string }).version;
}

export function startPeer(port: number, cpu: number | undefined): Promise<Service> {
  return startNode(
    `${packageDir}build/start-server.js`,
    // Portkey refuses loopback custom hosts unless they are listed as trusted.
    { TRUSTED_CUSTOM_HOSTS: "127.0.0.2" },
    `http://127.0.0.1:${port}/`,
    cpu,
    [],
    [`--port=${port}`, "--headless"],
  );
}

/** The headers that route a Portkey request to Bedrock at the peer's emulator. */
export const peerHeaders: Record<string, string> = {
  "content-type": "application/json",
  "x-portkey-provider": "bedrock",
  "x-portkey-aws-access-key-id": EMULATOR_CREDENTIALS.accessKeyId,
  "x-portkey-aws-secret-access-key": EMULATOR_CREDENTIALS.secretAccessKey,
  "x-portkey-aws-region": "us-east-1",
  "x-portkey-custom-host": PEER_EMULATOR_URL,
};
