import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shippedNodeFlags } from "../bench/signed.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { emulatorEnvironment } from "./helpers/gateway.js";
import { type MainProcess, startMain } from "./helpers/spawn.js";

/**
 * Every other suite runs the TypeScript sources; this one runs what `npm start` runs: the esbuild bundle of
 * scripts/build.ts, with npm start's Node flags. It goes through each part the bundle loads on first use (the
 * SSM key source, the control-plane client behind /v1/models, the tokenizer behind token-array embeddings) as
 * well as both dialects, streamed and not, so a bundling mistake (a require() esbuild could not follow, a
 * lazy chunk that fails to load) fails here rather than in production.
 */
const root = new URL("..", import.meta.url).pathname;
const key = randomBytes(32).toString("base64url");
let emulator: Emulator;
let gateway: MainProcess;
/** The same bundle on the stock SDK transport (BEDROCK_TRANSPORT=sdk). */
let sdkGateway: MainProcess;
// Inside the checkout, so that the bundle's require() of undici finds node_modules as it does from dist/.
const outdir = mkdtempSync(join(root, ".build-test-"));

beforeAll(async () => {
  execFileSync(process.execPath, ["--import", "tsx", "scripts/build.ts", outdir], { cwd: root });
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  emulator.setParameter("/aegis/key", key);
  const env = { ...emulatorEnvironment(emulator), API_KEY_SSM_PARAMETER: "/aegis/key" };
  const main = join(outdir, "main.js");
  [gateway, sdkGateway] = await Promise.all([
    startMain(env, shippedNodeFlags(), main),
    startMain({ ...env, BEDROCK_TRANSPORT: "sdk" }, shippedNodeFlags(), main),
  ]);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await sdkGateway?.stop();
  await emulator?.close();
  rmSync(outdir, { recursive: true, force: true });
});

const openai = (target = gateway) => new OpenAI({ baseURL: `${target.url}/v1`, apiKey: key, maxRetries: 0 });
const anthropic = () => new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: key, maxRetries: 0 });

describe("the bundle npm start runs", () => {
  it("is a bundle: main.js and chunks, not a module per source file", () => {
    const files = readdirSync(outdir);
    expect(files).toContain("main.js");
    // What tsc would have written for src/app.ts and src/config/.
    expect(files).not.toContain("app.js");
    expect(files).not.toContain("config");
  });

  it.for([
    ["lean", () => gateway, /^aegis-gateway \(lean/],
    ["sdk", () => sdkGateway, /aws-sdk-js/],
  ] as const)(
    "answers OpenAI chat, streamed and not, on the %s transport, with the key read from SSM",
    async ([, target, userAgent]) => {
      const client = openai(target());
      const answer = await client.chat.completions.create({
        model: "amazon.nova-micro-v1:0",
        messages: [{ role: "user", content: "Hello @@deltas:3" }],
      });
      expect(answer.choices[0]?.message.content).toBeTruthy();
      // The transport that made the call names itself.
      const converse = emulator.requests.filter((request) => request.operation === "Converse").at(-1);
      expect(converse?.headers["user-agent"]).toMatch(userAgent);
      const stream = await client.chat.completions.create({
        model: "amazon.nova-micro-v1:0",
        messages: [{ role: "user", content: "Hello @@deltas:3" }],
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toBe(answer.choices[0]?.message.content);
    },
  );

  it("refuses a wrong key in OpenAI's shape", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "wrong", maxRetries: 0 });
    const error = await client.models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("lists models through the control-plane client it loads on first use", async () => {
    const ids = [];
    for await (const model of openai().models.list()) ids.push(model.id);
    if (!ids.includes("amazon.nova-micro-v1:0")) console.log(gateway.output());
    expect(ids).toContain("amazon.nova-micro-v1:0");
  });

  it("decodes token-array embeddings with the tokenizer it loads on first use", async () => {
    // "Hello world" in cl100k_base.
    const answer = await openai().embeddings.create({
      model: "amazon.titan-embed-text-v2:0",
      input: [[9906, 1917]],
    });
    expect(answer.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(emulator.requests.at(-1)?.body).toMatchObject({ inputText: "Hello world" });
  });

  it("streams Anthropic messages", async () => {
    const stream = anthropic().messages.stream({
      model: "anthropic.claude-3-haiku-20240307-v1:0",
      max_tokens: 64,
      messages: [{ role: "user", content: "Hello @@deltas:3" }],
    });
    const message = await stream.finalMessage();
    expect(message.content[0]?.type).toBe("text");
    expect(message.stop_reason).toBe("end_turn");
  });

  it("counts Anthropic tokens through the stock client's CountTokens", async () => {
    const before = emulator.requests.filter((request) => request.operation === "CountTokens").length;
    const counted = await anthropic().messages.countTokens({
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: "how many tokens are these words" }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(emulator.requests.filter((request) => request.operation === "CountTokens").length).toBe(
      before + 1,
    );
  });
});
