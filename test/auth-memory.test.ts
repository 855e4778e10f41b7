import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { emulatorEnvironment } from "./helpers/gateway.js";
import { type MainProcess, startMain } from "./helpers/spawn.js";

/**
 * The plain key must not be in the gateway's memory: not after startup, not after it served requests
 * that presented it. The gateway runs as its own process (this test process knows the key); V8 writes
 * a heap snapshot on SIGUSR2 (collecting garbage first) with strings untruncated, and the snapshot
 * file is searched for the key's bytes in UTF-8 and UTF-16LE.
 */
let emulator: Emulator;
let directory: string;
const started: MainProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  directory = await mkdtemp(join(tmpdir(), "aegis-heap-"));
});
afterAll(async () => {
  for (const gateway of started) await gateway.stop();
  await emulator.close();
  await rm(directory, { recursive: true, force: true });
});

async function gatewayProcess(env: Record<string, string>, name: string) {
  const snapshots = join(directory, name);
  const gateway = await startMain(
    {
      ...emulatorEnvironment(emulator),
      // Every level, so the check that no output carries the key covers every log line.
      LOG_LEVEL: "trace",
      ...env,
    },
    [
      "--heapsnapshot-signal=SIGUSR2",
      `--diagnostic-dir=${snapshots}`,
      // V8 cuts strings to 1024 characters in snapshots; a key inside a longer string must not hide.
      "--heap-snapshot-string-limit=1000000000",
    ],
  );
  started.push(gateway);
  let taken = 0;
  return {
    gateway,
    /** Writes a snapshot and returns its bytes. */
    async snapshot(): Promise<Buffer> {
      await mkdir(snapshots, { recursive: true });
      gateway.process.kill("SIGUSR2");
      taken++;
      let files: string[] = [];
      while (files.length < taken) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        files = (await readdir(snapshots)).filter((file) => file.endsWith(".heapsnapshot")).sort();
      }
      // The snapshot is written on the gateway's only JS thread: once it answers again, the file is complete.
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
      return readFile(join(snapshots, files.at(-1) ?? ""));
    },
  };
}

function occurrences(snapshot: Buffer, text: string) {
  return {
    utf8: snapshot.includes(Buffer.from(text, "utf8")),
    utf16le: snapshot.includes(Buffer.from(text, "utf16le")),
  };
}

/** Requests that present the key in both headers, streamed and not, then closes their connections. */
async function authenticatedTraffic(url: string, key: string) {
  const dispatcher = new Agent();
  const fetchOptions = { dispatcher } as unknown as OpenAI["fetchOptions"];
  const viaBearer = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, fetchOptions });
  const viaHeader = new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: "unused",
    defaultHeaders: { Authorization: null, "X-API-Key": key },
    maxRetries: 0,
    fetchOptions,
  });
  for (const client of [viaBearer, viaHeader]) {
    const answer = await client.chat.completions.create({
      model: "amazon.nova-micro-v1:0",
      messages: [{ role: "user", content: "remember nothing" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Echo: remember nothing");
    const stream = await client.chat.completions.create({
      model: "amazon.nova-micro-v1:0",
      messages: [{ role: "user", content: "stream it" }],
      stream: true,
    });
    for await (const _ of stream) {
      // drain
    }
  }
  await dispatcher.close();
}

describe.concurrent("the plain key is nowhere in the gateway's heap", () => {
  it.for([
    ["API_KEY", (key: string) => ({ API_KEY: key })],
    [
      "Secrets Manager (JSON, with a pending version)",
      (key: string) => {
        emulator.setSecret("aegis/heap", { string: JSON.stringify({ api_key: key }) });
        emulator.setSecret(
          "aegis/heap",
          { string: JSON.stringify({ api_key: `${key}-next` }) },
          "AWSPENDING",
        );
        return { API_KEY_SECRETSMANAGER_SECRET: "aegis/heap", API_KEY_REFRESH_SECONDS: "1" };
      },
    ],
    [
      "API_KEYS_FILE (a named key with limits)",
      (key: string) => {
        const path = join(directory, "keys.json");
        const sha256 = createHash("sha256").update(key).digest("hex");
        writeFileSync(
          path,
          JSON.stringify([{ name: "heap", sha256, rpm: 100, tpm: 100_000, max_concurrent: 4 }]),
        );
        return { API_KEYS_FILE: path, API_KEY_REFRESH_SECONDS: "1" };
      },
    ],
  ] as [string, (key: string) => Record<string, string>][])(
    "with %s",
    { timeout: 120_000 },
    async ([name, source], { expect }) => {
      const key = randomBytes(48).toString("base64url");
      // Something the gateway does keep (a model alias), to show the search finds what is there.
      const marker = `alias-${randomBytes(12).toString("hex")}`;
      const { gateway, snapshot } = await gatewayProcess(
        { ...source(key), MODEL_ALIASES: JSON.stringify({ [marker]: "amazon.nova-micro-v1:0" }) },
        name.replace(/\W+/g, "-"),
      );

      const afterStartup = await snapshot();
      expect(occurrences(afterStartup, marker).utf8).toBe(true);
      expect(occurrences(afterStartup, key)).toEqual({ utf8: false, utf16le: false });

      await authenticatedTraffic(gateway.url, key);
      const afterRequests = await snapshot();
      expect(occurrences(afterRequests, marker).utf8).toBe(true);
      expect(occurrences(afterRequests, key)).toEqual({ utf8: false, utf16le: false });
      expect(gateway.output()).not.toContain(key);
    },
  );
});
