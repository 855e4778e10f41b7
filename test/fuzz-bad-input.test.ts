import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rssMiB } from "../bench/processes.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { mutate, pick, seededRandom } from "./helpers/fuzz.js";
import { emulatorEnvironment } from "./helpers/gateway.js";
import { randomKey } from "./helpers/keys.js";
import { type MainProcess, startMain } from "./helpers/spawn.js";

/**
 * Bad input, as a hostile client would send it, against the real entry point: every POST route gets
 * mutations of a valid body (types, nesting, huge values, prototype keys, invalid UTF-8, truncation,
 * content types). Every answer must be a 4xx (or a 2xx) in the route's dialect, never a 5xx or a reset,
 * never echo the API key; the process stays up with its memory near where it started.
 * FUZZ_SECONDS (default 20) and FUZZ_SEED (default 17) replay or extend a run.
 */
const seconds = Number(process.env.FUZZ_SECONDS ?? 20);
const seed = Number(process.env.FUZZ_SEED ?? 17);
const workers = 6;

const key = randomKey();

const routes = [
  {
    path: "/v1/chat/completions",
    dialect: "openai",
    valid: {
      model: "amazon.nova-lite-v1:0",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "hello" }] },
      ],
      max_tokens: 20,
      temperature: 0.5,
      stream: false,
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }],
    },
  },
  {
    path: "/v1/embeddings",
    dialect: "openai",
    valid: { model: "amazon.titan-embed-text-v2:0", input: ["hello", "world"], dimensions: 256 },
  },
  {
    path: "/anthropic/v1/messages",
    dialect: "anthropic",
    valid: {
      model: "claude-haiku-4-5",
      max_tokens: 20,
      system: [{ type: "text", text: "Be brief." }],
      messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }],
      stream: false,
      tools: [{ name: "f", input_schema: { type: "object", properties: {} } }],
    },
  },
  {
    path: "/anthropic/v1/messages/count_tokens",
    dialect: "anthropic",
    valid: { model: "claude-haiku-4-5", messages: [{ role: "user", content: "hello" }] },
  },
] as const;

function inDialect(dialect: "openai" | "anthropic", text: string): boolean {
  try {
    const body = JSON.parse(text) as { type?: unknown; error?: { type?: unknown; message?: unknown } };
    const shaped = typeof body.error?.type === "string" && typeof body.error?.message === "string";
    return dialect === "openai" ? shaped : shaped && body.type === "error";
  } catch {
    return false;
  }
}

let emulator: Emulator;
let main: MainProcess;
beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0, keepRequests: 100 });
  main = await startMain({ ...emulatorEnvironment(emulator), API_KEY: key });
});
afterAll(async () => {
  await main?.stop();
  await emulator?.close();
});

describe("bad-input fuzz", () => {
  it(
    `every POST route, seed ${seed}, ${seconds} s: no 5xx, no reset, errors in the dialect, no key echoed`,
    async () => {
      const pid = main.process.pid ?? 0;
      // Warm up so the baseline is a running gateway's, not a fresh one's.
      for (const route of routes) {
        await fetch(`${main.url}${route.path}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify(route.valid),
        }).then((r) => r.arrayBuffer());
      }
      const rssBefore = rssMiB(pid);
      const failures: string[] = [];
      let cases = 0;
      const deadline = Date.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: workers }, async (_, worker) => {
          const random = seededRandom(seed * 1_000 + worker);
          for (let n = 0; Date.now() < deadline; n++) {
            const route = pick(random, routes);
            const mutation = mutate(random, route.valid);
            const label = `worker ${worker} case ${n} ${route.path}: ${mutation.description}`;
            cases++;
            const headers: Record<string, string> = { authorization: `Bearer ${key}`, "x-api-key": key };
            if (mutation.contentType !== undefined) headers["content-type"] = mutation.contentType;
            let status: number;
            let text: string;
            try {
              const response = await fetch(`${main.url}${route.path}`, {
                method: "POST",
                headers,
                body: mutation.body,
                signal: AbortSignal.timeout(15_000),
              });
              status = response.status;
              text = await response.text();
            } catch (error) {
              failures.push(`${label}: no answer (${(error as Error).message})`);
              continue;
            }
            if (status >= 500) failures.push(`${label}: ${status} ${text.slice(0, 200)}`);
            else if (status >= 400 && !inDialect(route.dialect, text))
              failures.push(`${label}: ${status} not in the ${route.dialect} dialect: ${text.slice(0, 200)}`);
            if (text.includes(key)) failures.push(`${label}: the API key was echoed`);
          }
        }),
      );
      expect(main.process.exitCode).toBeNull();
      expect((await fetch(`${main.url}/health`)).status).toBe(200);
      const rssAfter = rssMiB(pid);
      console.log(`fuzz: ${cases} cases, RSS ${Math.round(rssBefore)} → ${Math.round(rssAfter)} MiB`);
      expect(failures.slice(0, 20)).toEqual([]);
      expect(cases).toBeGreaterThan(100);
      // Near its start: garbage not yet collected, not a leak of every request.
      expect(rssAfter - rssBefore).toBeLessThan(150);
    },
    (seconds + 60) * 1000,
  );
});
