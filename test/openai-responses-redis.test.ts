import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { emulatorEnvironment, type RunningGateway, startGateway } from "./helpers/gateway.js";
import { type RedisServer, startRedisServer } from "./helpers/redis-server.js";
import { type MainProcess, startMain } from "./helpers/spawn.js";
import { waitFor } from "./helpers/wait.js";

const model = "amazon.nova-lite-v1:0";
const keyA = `responses-key-a-${process.pid}-0123456789abcdef`;
const keyB = `responses-key-b-${process.pid}-0123456789abcdef`;

let emulator: Emulator;
let redis: RedisServer;
const started: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  redis = await startRedisServer({ password: `token-${process.pid}` });
});
afterAll(async () => {
  for (const running of started.reverse()) await running.stop();
  await redis.stop();
  await emulator.close();
});

const clientOf = (url: string, apiKey: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });

async function gatewayProcess(apiKey: string): Promise<MainProcess> {
  const main = await startMain({ ...emulatorEnvironment(emulator), REDIS_URL: redis.url, API_KEY: apiKey });
  started.push(main);
  return main;
}

async function inProcessGateway(apiKey: string): Promise<RunningGateway> {
  const gateway = await startGateway(emulator, { REDIS_URL: redis.url, API_KEY: apiKey });
  started.push({ stop: () => gateway.close() });
  return gateway;
}

describe("stored responses in Redis (REDIS_URL)", () => {
  it("two gateway processes sharing one Redis continue each other's conversations", async () => {
    const [first, second] = await Promise.all([gatewayProcess(keyA), gatewayProcess(keyA)]);
    const one = clientOf(first.url, keyA);
    const two = clientOf(second.url, keyA);

    const turn1 = await one.responses.create({ model, input: "my name is Ada" });
    const turn2 = await two.responses.create({ model, input: "what is it?", previous_response_id: turn1.id });
    const turn3 = await one.responses.create({ model, input: "once more", previous_response_id: turn2.id });
    expect(turn3.output_text).toBe("Echo: once more");
    const converse = emulator.requests.filter((r) => r.operation === "Converse").at(-1);
    const sent = (converse?.body as { messages: { content: { text?: string }[] }[] } | undefined)?.messages;
    expect(sent?.map((message) => message.content[0]?.text)).toEqual([
      "my name is Ada",
      "Echo: my name is Ada",
      "what is it?",
      "Echo: what is it?",
      "once more",
    ]);

    expect((await two.responses.retrieve(turn3.id)).output_text).toBe("Echo: once more");
    const items = await one.responses.inputItems.list(turn2.id);
    expect(items.data.map((item) => item.type)).toEqual(["message"]);
    await two.responses.delete(turn1.id);
    await expect(one.responses.retrieve(turn1.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // Stored values never hold the API key.
    const client = await import("ioredis").then(({ Redis }) => new Redis(redis.url));
    try {
      const keys = await client.keys("*");
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(await client.get(key)).not.toContain(keyA);
      expect(await client.pttl(keys[0] ?? "")).toBeGreaterThan(29 * 24 * 3600 * 1000);
    } finally {
      client.disconnect();
    }
  }, 90_000);

  it("another API key gets 404 for a stored response, not 403", async () => {
    const [owner, stranger] = await Promise.all([inProcessGateway(keyA), inProcessGateway(keyB)]);
    const created = await clientOf(owner.url, keyA).responses.create({ model, input: "private" });
    const other = clientOf(stranger.url, keyB);
    await expect(other.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(other.responses.inputItems.list(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(other.responses.delete(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(
      other.responses.create({ model, input: "x", previous_response_id: created.id }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // Still there for its owner.
    expect((await clientOf(owner.url, keyA).responses.retrieve(created.id)).id).toBe(created.id);
  });

  it("answers store operations with 503 while Redis is down, serves unstored requests, and heals", async () => {
    const gateway = await inProcessGateway(keyA);
    const client = clientOf(gateway.url, keyA);
    const kept = await client.responses.create({ model, input: "kept" });
    await redis.stop();
    try {
      for (const attempt of [
        () => client.responses.retrieve(kept.id),
        () => client.responses.create({ model, input: "stored" }),
        () => client.responses.create({ model, input: "next", previous_response_id: kept.id, store: false }),
        () => client.responses.delete(kept.id),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.InternalServerError);
        expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
        expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("store_unavailable");
      }
      const unstored = await client.responses.create({ model, input: "still works", store: false });
      expect(unstored.output_text).toBe("Echo: still works");
      const stream = await client.responses.create({
        model,
        input: "streams too",
        store: false,
        stream: true,
      });
      let text = "";
      for await (const event of stream) if (event.type === "response.output_text.delta") text += event.delta;
      expect(text).toBe("Echo: streams too");
      expect(gateway.logs.join("\n")).not.toContain(`token-${process.pid}`);
    } finally {
      await redis.start();
    }
    // The data did not survive the (non-persistent) restart; the store answers again.
    await waitFor(() => gateway.logs.some((line) => line.includes("Redis is reachable again")), 10_000);
    await expect(client.responses.retrieve(kept.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const again = await client.responses.create({ model, input: "after" });
    expect((await client.responses.retrieve(again.id)).id).toBe(again.id);
  });
});
