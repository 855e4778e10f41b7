import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { png } from "./fixtures/media-server.mjs";
import type { RunningGateway } from "./helpers/gateway.js";
import { model, openAiClient, startMediaGateway, tableResolver } from "./helpers/media.js";
import { type JsonLineProcess, namespaceUnavailable, startNamespacedMediaServer } from "./helpers/netns.js";

// MAX_INPUT_FILES_TOTAL_SIZE: one budget over every image and document of a request, inline or downloaded.
const budget = 256 * 1024;
const budgetMessage = "The images and documents of this request add up to more than the 0.25 MiB";

/** `size` bytes that read as a PNG (its signature, then zeros). */
const pngOfSize = (size: number) => Buffer.concat([png, Buffer.alloc(size - png.length)]);
const dataUrl = (size: number) => `data:image/png;base64,${pngOfSize(size).toString("base64")}`;

let emulator: Emulator;
let gateway: RunningGateway;
const converseCalls = () => emulator.requests.filter((r) => r.operation.startsWith("Converse")).length;

function chat(client: OpenAI, urls: string[]) {
  return client.chat.completions
    .create({
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "compare these" },
            ...urls.map((url) => ({ type: "image_url" as const, image_url: { url } })),
          ],
        },
      ],
    })
    .catch((error: unknown) => error);
}

function expectBudgetRefusal(outcome: unknown, param: RegExp) {
  expect(outcome).toBeInstanceOf(OpenAI.APIError);
  const error = outcome as InstanceType<typeof OpenAI.APIError>;
  expect(error.status).toBe(413);
  expect(error.code).toBe("media_too_large");
  expect(error.message).toContain(budgetMessage);
  expect(error.message).toContain("MAX_INPUT_FILES_TOTAL_SIZE");
  expect(error.param).toMatch(param);
}

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await emulator?.close();
});

describe("inline media", () => {
  beforeAll(async () => {
    gateway = await startMediaGateway(
      emulator,
      { MAX_INPUT_FILES_TOTAL_SIZE: String(budget) },
      tableResolver({}).resolve,
    );
  });
  afterAll(async () => {
    await gateway?.close();
  });
  beforeEach(() => emulator.reset());

  it("accepts data URLs that fit the budget together", async () => {
    const answer = await chat(openAiClient(gateway), [dataUrl(100 * 1024), dataUrl(100 * 1024)]);
    expect(answer).not.toBeInstanceOf(Error);
    expect(converseCalls()).toBe(1);
  });

  it("refuses data URLs that pass it together (each one fits) with 413, before Bedrock", async () => {
    const outcome = await chat(openAiClient(gateway), [
      dataUrl(100 * 1024),
      dataUrl(100 * 1024),
      dataUrl(100 * 1024),
    ]);
    expectBudgetRefusal(outcome, /^messages\[0\]\.content\[\d\]\.image_url\.url$/);
    expect(converseCalls()).toBe(0);
  });

  it("counts Anthropic base64 images and documents, answering 413 request_too_large", async () => {
    const client = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: "unused", maxRetries: 0 });
    const image = pngOfSize(150 * 1024).toString("base64");
    const document = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(150 * 1024)]).toString("base64");
    const outcome = await client.messages
      .create({
        model: "claude-3-5-haiku-20241022",
        max_tokens: 10,
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/png", data: image } },
              {
                type: "document",
                source: { type: "base64", media_type: "application/pdf", data: document },
              },
              { type: "text", text: "what are these?" },
            ],
          },
        ],
      })
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(Anthropic.APIError);
    const error = outcome as InstanceType<typeof Anthropic.APIError>;
    expect(error.status).toBe(413);
    expect((error.error as { error: { type: string; message: string } }).error).toEqual({
      type: "request_too_large",
      message: expect.stringContaining(budgetMessage),
    });
    expect(converseCalls()).toBe(0);
  });
});

// Downloads from a media server on a private address in a network namespace this test makes (the SSRF guard
// refuses loopback whatever the settings say).
const unavailable = namespaceUnavailable();

describe.skipIf(unavailable)(`downloads${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let media: Awaited<ReturnType<typeof startNamespacedMediaServer>>;
  let server: JsonLineProcess;
  let base: string;

  beforeAll(async () => {
    media = await startNamespacedMediaServer();
    server = media.server;
    base = `http://media.test:${server.port}`;
    gateway = await startMediaGateway(
      emulator,
      {
        SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS: "false",
        // Each file may be far larger than the budget: only the budget can stop these requests.
        MAX_INPUT_FILE_SIZE: "64MiB",
        MAX_INPUT_FILES_TOTAL_SIZE: String(budget),
      },
      tableResolver({ "media.test": [media.ns.address] }).resolve,
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await media?.stop();
  });
  beforeEach(() => {
    emulator.reset();
    server.events.length = 0;
  });

  it("refuses downloads that each fit but pass the budget together (Content-Length told the truth)", async () => {
    const outcome = await chat(openAiClient(gateway), [
      `${base}/big-cl?bytes=${150 * 1024}`,
      `${base}/big-cl?bytes=${150 * 1024}`,
    ]);
    expectBudgetRefusal(outcome, /^messages\[0\]\.content\[[12]\]\.image_url\.url$/);
    expect(converseCalls()).toBe(0);
  });

  it("cuts a download while it streams, as soon as inline and downloaded bytes pass the budget", async () => {
    const outcome = await chat(openAiClient(gateway), [
      dataUrl(100 * 1024),
      `${base}/big?bytes=${32 * 1024 ** 2}`,
    ]);
    expectBudgetRefusal(outcome, /^messages\[0\]\.content\[2\]\.image_url\.url$/);
    // The server was still writing its 32 MiB when the gateway hung up: the body was not read to the end.
    await expect.poll(() => server.events.some((event) => event.abandoned !== undefined)).toBe(true);
    expect(converseCalls()).toBe(0);
  });
});
