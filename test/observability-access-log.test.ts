import { request as httpRequest } from "node:http";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStack } from "./helpers/gateway.js";
import { randomKey } from "./helpers/keys.js";
import { waitFor } from "./helpers/wait.js";

const model = "amazon.nova-lite-v1:0";
const key = randomKey();
let stack: Awaited<ReturnType<typeof startStack>>;
let openai: OpenAI;
let anthropic: Anthropic;

type Line = Record<string, unknown>;
const parsed = (): Line[] =>
  stack.gateway.logs.flatMap((chunk) => chunk.split("\n").filter(Boolean)).map((line) => JSON.parse(line));
const accessLines = () => parsed().filter((line) => line.msg === "request");
const emfLines = () => parsed().filter((line) => "_aws" in line);

/** The access log line of the request answered with `requestId`, once the gateway has written it. */
async function lineOf(requestId: string | null | undefined): Promise<Line> {
  if (!requestId) throw new Error("no request id");
  await waitFor(() => accessLines().some((line) => line.reqId === requestId));
  return accessLines().find((line) => line.reqId === requestId) as Line;
}

beforeAll(async () => {
  stack = await startStack({ API_KEY: key, CLOUDWATCH_EMF: "true", CLOUDWATCH_EMF_NAMESPACE: "AegisTest" });
  openai = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: `${stack.gateway.url}/anthropic`, apiKey: key, maxRetries: 0 });
});
afterAll(() => stack.close());
beforeEach(() => stack.emulator.reset());

describe("the access log line", () => {
  it("chat: route, dialect, model asked and sent, tokens, times, bytes, client IP", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model, messages: [{ role: "user", content: "hello there" }] })
      .withResponse();
    const line = await lineOf(response.headers.get("x-request-id"));
    expect(line).toMatchObject({
      method: "POST",
      url: "/v1/chat/completions",
      route: "chat",
      dialect: "openai",
      model,
      bedrockModel: model,
      stream: false,
      status: 200,
      finishReason: "end_turn",
      region: "us-east-1",
      ip: "127.0.0.1",
      tokens: { input: data.usage?.prompt_tokens, output: data.usage?.completion_tokens, cacheRead: 0 },
    });
    expect(line.bytesIn).toBeGreaterThan(0);
    expect(line.bytesOut).toBeGreaterThan(JSON.stringify(data).length);
    expect(line.bedrockMs).toBeGreaterThan(0);
    expect(line.ms).toBeGreaterThanOrEqual(line.bedrockMs as number);
    expect(line.ttftMs).toBeUndefined();
    expect(JSON.stringify(line)).not.toContain(key);
  });

  it("a stream: stream true, time to first token, and the usage of its metadata event", async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({ model, messages: [{ role: "user", content: "@@cache one two three" }], stream: true })
      .withResponse();
    for await (const _chunk of stream) {
      // to the end
    }
    const line = await lineOf(response.headers.get("x-request-id"));
    expect(line).toMatchObject({ route: "chat", stream: true, status: 200, bedrockModel: model });
    expect(line.ttftMs).toBeGreaterThan(0);
    expect(line.ttftMs).toBeLessThanOrEqual(line.ms as number);
    const tokens = line.tokens as Record<string, number>;
    expect(tokens.output).toBeGreaterThan(0);
    expect(tokens.cacheRead).toBeGreaterThan(0);
  });

  it("Anthropic messages and count_tokens, in the anthropic dialect", async () => {
    const { response } = await anthropic.messages
      .create({ model, max_tokens: 50, messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    expect(await lineOf(response.headers.get("request-id"))).toMatchObject({
      route: "messages",
      dialect: "anthropic",
      status: 200,
      model,
    });
    const counted = await anthropic.messages
      .countTokens({
        model: "anthropic.claude-haiku-4-5-20251001-v1:0",
        messages: [{ role: "user", content: "hi" }],
      })
      .withResponse();
    expect(await lineOf(counted.response.headers.get("request-id"))).toMatchObject({
      route: "count_tokens",
      status: 200,
    });
  });

  it("embeddings: the tokens Bedrock reported", async () => {
    const { response } = await openai.embeddings
      .create({ model: "amazon.titan-embed-text-v2:0", input: ["a b", "c d"] })
      .withResponse();
    const line = await lineOf(response.headers.get("x-request-id"));
    expect(line).toMatchObject({
      route: "embeddings",
      status: 200,
      bedrockModel: "amazon.titan-embed-text-v2:0",
    });
    expect((line.tokens as Record<string, number>).input).toBeGreaterThan(0);
  });

  it("failure classes: Bedrock throttling, a validation error, a refused key, an unknown route", async () => {
    const throttled = await openai.chat.completions
      .create({ model, messages: [{ role: "user", content: "@@throttle" }] })
      .withResponse()
      .catch((error: InstanceType<typeof OpenAI.APIError>) => error);
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
    const throttledLine = await lineOf(
      (throttled as InstanceType<typeof OpenAI.APIError>).headers?.get("x-request-id"),
    );
    expect(throttledLine).toMatchObject({
      status: 429,
      error: "rate_limit_exceeded",
      bedrockError: "ThrottlingException",
    });

    const invalid = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: "nope" }),
    });
    expect(await lineOf(invalid.headers.get("x-request-id"))).toMatchObject({ status: 400, route: "chat" });

    const refused = await fetch(`${stack.gateway.url}/v1/models`, {
      headers: { authorization: "Bearer wrong" },
    });
    expect(await lineOf(refused.headers.get("x-request-id"))).toMatchObject({
      status: 401,
      route: "models",
      error: "invalid_api_key",
    });

    const unknown = await fetch(`${stack.gateway.url}/v1/nowhere`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await lineOf(unknown.headers.get("x-request-id"))).toMatchObject({
      status: 404,
      route: "other",
      error: "unknown_route",
    });
  });

  it("a stream that fails after it started: the error code of the event the client got", async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({
        model,
        messages: [{ role: "user", content: "@@midstream:ModelStreamErrorException a b c d" }],
        stream: true,
      })
      .withResponse();
    await expect(async () => {
      for await (const _chunk of stream) {
        // until the error event
      }
    }).rejects.toThrow();
    const line = await lineOf(response.headers.get("x-request-id"));
    expect(line).toMatchObject({ status: 200, stream: true, bedrockError: "ModelStreamErrorException" });
    expect(line.error).toBeTypeOf("string");
  });

  it("a client that leaves mid-stream still gets its line, marked aborted", async () => {
    const body = JSON.stringify({
      model,
      stream: true,
      messages: [{ role: "user", content: "@@slow:200 a b c d e f" }],
    });
    const requestId = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        `${stack.gateway.url}/v1/chat/completions`,
        { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } },
        (res) => {
          res.once("data", () => {
            req.destroy();
            resolve(String(res.headers["x-request-id"]));
          });
        },
      );
      req.on("error", () => {});
      req.once("response", () => {});
      req.end(body);
      setTimeout(() => reject(new Error("no first chunk")), 5_000);
    });
    const line = await lineOf(requestId);
    expect(line).toMatchObject({ aborted: true, stream: true, route: "chat" });
  });
});

describe("CloudWatch EMF lines (CLOUDWATCH_EMF=true)", () => {
  it("are valid EMF: each metric a number at the root, each dimension a string, and they parse to the request", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model, messages: [{ role: "user", content: "emf please" }] })
      .withResponse();
    await lineOf(response.headers.get("x-request-id"));
    const lines = emfLines();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const aws = line._aws as { Timestamp: number; CloudWatchMetrics: unknown[] };
      expect(Number.isInteger(aws.Timestamp)).toBe(true);
      expect(aws.CloudWatchMetrics.length).toBe(1);
      const directive = aws.CloudWatchMetrics[0] as {
        Namespace: string;
        Dimensions: string[][];
        Metrics: { Name: string; Unit: string }[];
      };
      expect(directive.Namespace).toBe("AegisTest");
      for (const set of directive.Dimensions) {
        expect(set.length).toBeGreaterThan(0);
        expect(set.length).toBeLessThanOrEqual(30);
        for (const dimension of set) expect(line[dimension]).toBeTypeOf("string");
      }
      for (const metric of directive.Metrics) {
        expect(["Count", "Milliseconds"]).toContain(metric.Unit);
        expect(line[metric.Name]).toBeTypeOf("number");
      }
    }
    const last = lines.at(-1) as Record<string, unknown>;
    expect(last).toMatchObject({
      Route: "chat",
      Model: model,
      Requests: 1,
      Errors5xx: 0,
      InputTokens: data.usage?.prompt_tokens,
      OutputTokens: data.usage?.completion_tokens,
    });
    expect(lines.some((line) => line.Route === "health")).toBe(false);
  });

  it("count Bedrock's throttling as Throttles, apart from the gateway's own limits (RateLimited)", async () => {
    const throttled = await openai.chat.completions
      .create({ model, messages: [{ role: "user", content: "@@throttle" }] })
      .withResponse()
      .catch((error: unknown) => error);
    await lineOf((throttled as InstanceType<typeof OpenAI.APIError>).headers?.get("x-request-id"));
    const last = emfLines().at(-1) as Record<string, unknown>;
    expect(last).toMatchObject({ Route: "chat", Status: 429, Throttles: 1, RateLimited: 0, Errors5xx: 0 });
  });
});
