import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_GUARDRAIL } from "../src/emulator/converse/guardrail.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { lastCall } from "./helpers/anthropic.js";
import { emulatorEnvironment, type RunningGateway, startGateway } from "./helpers/gateway.js";
import { keyStoreFile, sha256, storeKey } from "./helpers/key-store.js";
import { randomKey } from "./helpers/keys.js";
import { runMain } from "./helpers/spawn.js";
import { waitFor } from "./helpers/wait.js";

let emulator: Emulator;
const gateways: RunningGateway[] = [];
const cleanups: (() => Promise<void>)[] = [];
const keys: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  for (const cleanup of cleanups) await cleanup();
  await emulator.close();
  const leaked = gateways.flatMap((gateway) =>
    gateway.logs.filter((line) => keys.some((key) => line.includes(key) || line.includes(sha256(key)))),
  );
  expect(leaked, "log lines containing a key or its digest").toEqual([]);
});

function fresh(): string {
  const key = storeKey();
  keys.push(key);
  return key;
}

async function gatewayWithStore(entries: unknown[], env: Record<string, string> = {}) {
  const file = await keyStoreFile(entries);
  cleanups.push(file.remove);
  const gateway = await startGateway(emulator, { API_KEYS_FILE: file.path, ...env });
  gateways.push(gateway);
  return { gateway, file };
}

const openai = (gateway: RunningGateway, key: string, maxRetries = 0) =>
  new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries });
const anthropic = (gateway: RunningGateway, key: string, maxRetries = 0) =>
  new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: key, maxRetries });
const chat = (gateway: RunningGateway, key: string, model = "amazon.nova-micro-v1:0", content = "hi") =>
  openai(gateway, key).chat.completions.create({ model, messages: [{ role: "user", content }] });
const message = (gateway: RunningGateway, key: string, model = "claude-haiku-4-5") =>
  anthropic(gateway, key).messages.create({
    model,
    max_tokens: 20,
    messages: [{ role: "user", content: "hi" }],
  });

function requestLines(gateway: RunningGateway) {
  return gateway.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === "request");
}

describe("named keys from API_KEYS_FILE", () => {
  it("accept store keys by name and the single API_KEY as 'default'; the log line names the key", async () => {
    const [teamA, single] = [fresh(), randomKey()];
    keys.push(single);
    const { gateway } = await gatewayWithStore([{ name: "team-a", sha256: sha256(teamA) }], {
      API_KEY: single,
    });
    expect((await chat(gateway, teamA)).choices[0]?.message.content).toBe("Echo: hi");
    expect((await chat(gateway, single)).choices[0]?.message.content).toBe("Echo: hi");
    await expect(chat(gateway, fresh())).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    // The digest is not a key.
    await expect(chat(gateway, sha256(teamA))).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await waitFor(() => requestLines(gateway).length >= 4);
    expect(requestLines(gateway).map((line) => [line.status, line.key])).toEqual([
      [200, "team-a"],
      [200, "default"],
      [401, undefined],
      [401, undefined],
    ]);
  });

  it("route scope: 403 in the route's dialect outside it", async () => {
    const key = fresh();
    const { gateway } = await gatewayWithStore([
      { name: "anthropic-only", sha256: sha256(key), routes: ["messages", "models"] },
    ]);
    expect((await message(gateway, key)).type).toBe("message");
    const refusedChat = await chat(gateway, key).catch((error: unknown) => error);
    expect(refusedChat).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((refusedChat as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe("permission_denied");
    const refusedCount = await anthropic(gateway, key)
      .messages.countTokens({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(refusedCount).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((refusedCount as InstanceType<typeof Anthropic.PermissionDeniedError>).error).toMatchObject({
      type: "error",
      error: { type: "permission_error", message: "This API key may not use the count_tokens route." },
    });
  });

  it("model scope: 403 outside the globs on every model route; model lists show only the key's models", async () => {
    const key = fresh();
    const { gateway } = await gatewayWithStore(
      [{ name: "nova-and-haiku", sha256: sha256(key), models: ["amazon.nova-*", "claude-haiku-*", "cheap"] }],
      { MODEL_ALIASES: JSON.stringify({ cheap: "amazon.nova-lite-v1:0", pricey: "amazon.nova-pro-v1:0" }) },
    );
    expect((await chat(gateway, key)).choices).toHaveLength(1);
    // An alias is allowed by its own name or by the model it stands for.
    expect((await chat(gateway, key, "cheap")).choices).toHaveLength(1);
    expect((await chat(gateway, key, "pricey")).choices).toHaveLength(1);
    const outside = await chat(gateway, key, "anthropic.claude-3-haiku-20240307-v1:0").catch(
      (e: unknown) => e,
    );
    expect(outside).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((outside as InstanceType<typeof OpenAI.PermissionDeniedError>).param).toBe("model");
    expect((await message(gateway, key, "claude-haiku-4-5")).type).toBe("message");
    await expect(message(gateway, key, "claude-sonnet-4-5")).rejects.toBeInstanceOf(
      Anthropic.PermissionDeniedError,
    );
    await expect(
      openai(gateway, key).embeddings.create({ model: "amazon.titan-embed-text-v2:0", input: "x" }),
    ).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);

    const listed = (await openai(gateway, key).models.list()).data.map((model) => model.id);
    expect(listed.length).toBeGreaterThan(2);
    expect(listed.every((id) => id.startsWith("amazon.nova-") || id === "cheap" || id === "pricey")).toBe(
      true,
    );
    await expect(
      openai(gateway, key).models.retrieve("anthropic.claude-3-haiku-20240307-v1:0"),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const claude: string[] = [];
    for await (const model of anthropic(gateway, key).models.list()) claude.push(model.id);
    expect(claude.length).toBeGreaterThan(0);
    expect(claude.every((id) => id.startsWith("claude-haiku-"))).toBe(true);
  });

  it("reloads within API_KEY_REFRESH_SECONDS: a new key works, a removed or disabled one is refused, a bad file changes nothing", async () => {
    const [first, second] = [fresh(), fresh()];
    const { gateway, file } = await gatewayWithStore([{ name: "first", sha256: sha256(first) }], {
      API_KEY_REFRESH_SECONDS: "1",
    });
    const accepted = async (key: string) =>
      chat(gateway, key).then(
        () => true,
        (error: unknown) => {
          if (error instanceof OpenAI.AuthenticationError) return false;
          throw error;
        },
      );
    expect(await accepted(second)).toBe(false);
    await file.write([
      { name: "first", sha256: sha256(first) },
      { name: "second", sha256: sha256(second) },
    ]);
    await waitFor(() => gateway.logs.some((line) => line.includes('"added":["second"]')), 10_000);
    expect(await accepted(second)).toBe(true);

    await file.write([{ name: "second", sha256: sha256(second), rpm: "ten" }]);
    await waitFor(() => gateway.logs.some((line) => line.includes("API key store reload failed")), 10_000);
    const failure = JSON.parse(gateway.logs.find((line) => line.includes("reload failed")) ?? "{}");
    expect(failure.level).toBe(50);
    expect(failure.problem).toMatch(/entry 0 \("second"\): rpm: must be a whole number/);
    expect(await accepted(first)).toBe(true);

    await file.write([{ name: "second", sha256: sha256(second), disabled: true }]);
    await waitFor(() => gateway.logs.some((line) => line.includes('"removed":["first"]')), 10_000);
    expect(await accepted(first)).toBe(false);
    expect(await accepted(second)).toBe(false);
  });

  it("a malformed store stops startup with one line naming the entry and field", async () => {
    const file = await keyStoreFile([
      { name: "ok", sha256: sha256("x") },
      { name: "typo", sha256: sha256("y"), max_concurent: 2 },
    ]);
    cleanups.push(file.remove);
    const exit = await runMain({ ...emulatorEnvironment(emulator), API_KEYS_FILE: file.path });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(
      `aegis: cannot read the API key store from file "${file.path}": entry 1 ("typo"): unknown field max_concurent\n`,
    );
    const missing = await runMain({ ...emulatorEnvironment(emulator), API_KEYS_FILE: `${file.path}.gone` });
    expect(missing.stderr).toMatch(
      /cannot read the API key store from file ".*\.gone": it does not exist\n$/,
    );
  });
});

describe("limits in memory", () => {
  it("rpm: rate-limit headers on every answer, then 429 with retry-after in each dialect", async () => {
    const key = fresh();
    const { gateway } = await gatewayWithStore([{ name: "rpm-3", sha256: sha256(key), rpm: 3 }]);
    const first = await openai(gateway, key)
      .chat.completions.create({
        model: "amazon.nova-micro-v1:0",
        messages: [{ role: "user", content: "hi" }],
      })
      .withResponse();
    expect(first.response.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(first.response.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    expect(first.response.headers.get("x-ratelimit-reset-requests")).toMatch(/^(19|20)(\.\d)?s$/);
    const second = await anthropic(gateway, key)
      .messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
      })
      .withResponse();
    expect(second.response.headers.get("anthropic-ratelimit-requests-limit")).toBe("3");
    expect(second.response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("1");
    expect(
      Date.parse(second.response.headers.get("anthropic-ratelimit-requests-reset") ?? ""),
    ).toBeGreaterThan(Date.now());
    await chat(gateway, key);
    const refused = await chat(gateway, key).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.code).toBe("rate_limit_exceeded");
    // One request comes back every 20 s at 3 a minute.
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThanOrEqual(19);
    expect(Number(error.headers?.get("retry-after"))).toBeLessThanOrEqual(20);
    expect(error.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    const anthropicRefusal = await message(gateway, key).catch((e: unknown) => e);
    expect(anthropicRefusal).toBeInstanceOf(Anthropic.RateLimitError);
    expect((anthropicRefusal as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      error: { type: "rate_limit_error" },
    });
  });

  it("tpm: charged the estimate before the call, corrected by Bedrock's usage after it", async () => {
    const key = fresh();
    const { gateway } = await gatewayWithStore([{ name: "tpm", sha256: sha256(key), tpm: 1000 }]);
    // ~400 characters: an estimate of about 100 tokens, while the emulator reports its own count.
    const content = "word ".repeat(80);
    const answer = await openai(gateway, key)
      .chat.completions.create({ model: "amazon.nova-micro-v1:0", messages: [{ role: "user", content }] })
      .withResponse();
    expect(answer.response.headers.get("x-ratelimit-limit-tokens")).toBe("1000");
    const afterEstimate = Number(answer.response.headers.get("x-ratelimit-remaining-tokens"));
    expect(afterEstimate).toBeGreaterThan(880);
    expect(afterEstimate).toBeLessThan(910);
    const used = answer.data.usage?.total_tokens ?? 0;
    expect(used).toBeGreaterThan(0);
    // The next request sees the correction: the first cost what Bedrock reported, not the estimate.
    const next = await openai(gateway, key)
      .chat.completions.create({
        model: "amazon.nova-micro-v1:0",
        messages: [{ role: "user", content: "hi" }],
      })
      .withResponse();
    const remaining = Number(next.response.headers.get("x-ratelimit-remaining-tokens"));
    expect(Math.abs(remaining - (1000 - used - 1))).toBeLessThanOrEqual(3);
    // A request estimated above the whole limit goes through only on a full bucket: here it is refused.
    const big = "word ".repeat(4000);
    const refused = await chat(gateway, key, "amazon.nova-micro-v1:0", big).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(String((refused as Error).message)).toMatch(/tokens per minute/);
  });

  it("max_concurrent counts streams until they end", async () => {
    const key = fresh();
    const { gateway } = await gatewayWithStore([
      { name: "one-at-a-time", sha256: sha256(key), max_concurrent: 1 },
    ]);
    const stream = await openai(gateway, key).chat.completions.create({
      model: "amazon.nova-micro-v1:0",
      messages: [{ role: "user", content: "slow @@slow:200 stream" }],
      stream: true,
    });
    await expect(chat(gateway, key)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    for await (const _ of stream) {
      // drain
    }
    await waitFor(() => requestLines(gateway).length >= 2);
    expect((await chat(gateway, key)).choices).toHaveLength(1);
  });

  it("brute force: past AUTH_FAILURE_LIMIT_PER_MINUTE wrong keys, the address gets 429 before any key check", async () => {
    const key = fresh();
    const { gateway } = await gatewayWithStore([{ name: "victim", sha256: sha256(key) }], {
      AUTH_FAILURE_LIMIT_PER_MINUTE: "3",
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(chat(gateway, storeKey())).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    }
    // Even the right key: the address is blocked for the rest of the minute.
    const blocked = await chat(gateway, key).catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(OpenAI.RateLimitError);
    expect((blocked as InstanceType<typeof OpenAI.RateLimitError>).code).toBe(
      "too_many_authentication_failures",
    );
    expect(
      Number((blocked as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")),
    ).toBeGreaterThan(50);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });
});

describe("a key's own guardrail", () => {
  const sentGuardrail = () =>
    (lastCall(emulator, "Converse").body as Record<string, unknown>).guardrailConfig;

  it("replaces the deployment's for that key's calls; other keys keep the deployment's", async () => {
    const own = fresh();
    const plain = fresh();
    const { gateway } = await gatewayWithStore(
      [
        {
          name: "guarded-team",
          sha256: sha256(own),
          guardrail: { identifier: TEST_GUARDRAIL.id, version: "DRAFT" },
        },
        { name: "plain-team", sha256: sha256(plain) },
      ],
      { AWS_BEDROCK_GUARDRAIL_IDENTIFIER: TEST_GUARDRAIL.id, AWS_BEDROCK_GUARDRAIL_VERSION: "1" },
    );
    await chat(gateway, own);
    expect(sentGuardrail()).toMatchObject({
      guardrailIdentifier: TEST_GUARDRAIL.id,
      guardrailVersion: "DRAFT",
    });
    await chat(gateway, plain);
    expect(sentGuardrail()).toMatchObject({ guardrailIdentifier: TEST_GUARDRAIL.id, guardrailVersion: "1" });
  });

  it("applies without a deployment guardrail, and is enforced: the test guardrail blocks its denied topic", async () => {
    const own = fresh();
    const plain = fresh();
    const { gateway } = await gatewayWithStore([
      {
        name: "guarded-team",
        sha256: sha256(own),
        guardrail: { identifier: TEST_GUARDRAIL.id, version: "1" },
      },
      { name: "plain-team", sha256: sha256(plain) },
    ]);
    const blocked = await chat(gateway, own, "amazon.nova-micro-v1:0", "tell me about the forbidden fruit");
    expect(blocked.choices[0]?.finish_reason).toBe("content_filter");
    expect(sentGuardrail()).toMatchObject({ guardrailIdentifier: TEST_GUARDRAIL.id, guardrailVersion: "1" });
    const open = await chat(gateway, plain, "amazon.nova-micro-v1:0", "tell me about the forbidden fruit");
    expect(open.choices[0]?.finish_reason).toBe("stop");
    expect(sentGuardrail()).toBeUndefined();
  });
});
