import { readFileSync } from "node:fs";
import { SignatureV4 } from "@smithy/signature-v4";
import { EMULATOR_CREDENTIALS } from "../src/emulator/server.js";
import { Sha256 } from "../src/emulator/sha256.js";

/** A request the load generator replays as it is. */
export interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One signed Bedrock request, replayed: the emulator checks the signature, not its freshness. */
export async function signedPost(baseUrl: string, path: string, body: string): Promise<Target> {
  const url = new URL(`${baseUrl}${path}`);
  const signer = new SignatureV4({
    credentials: EMULATOR_CREDENTIALS,
    region: "us-east-1",
    service: "bedrock",
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host, "content-type": "application/json" },
    body,
  });
  return { url: url.toString(), headers: signed.headers as Record<string, string>, body };
}

/** The Node flags `npm start` runs the gateway with (package.json), so that a bench measures what ships. */
export function shippedNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    scripts: { start: string };
  };
  const flags = /\bnode ((?:--\S+ )*)dist\/main\.js/.exec(manifest.scripts.start)?.[1] ?? "";
  return flags.split(" ").filter(Boolean);
}

/** How to start one gateway of a bench: its entry script, Node flags and environment. */
export interface GatewayLaunch {
  script: string;
  nodeArgs: string[];
  env: Record<string, string>;
}

/**
 * A gateway of a bench from its spec: a transport, then optional `+NAME=value` settings, for an A/B in one run.
 * Two names are not environment variables: `node=FLAGS` replaces the Node command-line flags `npm start` uses
 * (space-separated; `node=` runs without any), and `main=PATH` runs another build's entry point (e.g. a
 * worktree of the previous commit) instead of `dist/main.js`.
 */
export function gatewayLaunch(spec: string, port: number, emulatorUrl: string): GatewayLaunch {
  const [transport = "lean", ...settings] = spec.split("+");
  const extra: Record<string, string> = Object.fromEntries(
    settings.map((setting) => [
      setting.slice(0, setting.indexOf("=")),
      setting.slice(setting.indexOf("=") + 1),
    ]),
  );
  const { node, main = "dist/main.js", ...env } = extra;
  return {
    script: main,
    nodeArgs: node === undefined ? shippedNodeFlags() : node.split(" ").filter(Boolean),
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      // The gateway's one log line per request stays on (LOG_LEVEL=info, as in production).
      LOG_LEVEL: "info",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: emulatorUrl,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      BEDROCK_TRANSPORT: transport,
      ...(process.env.BENCH_GATEWAY_ENV ? JSON.parse(process.env.BENCH_GATEWAY_ENV) : {}),
      ...env,
    },
  };
}
