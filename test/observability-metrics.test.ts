import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { randomKey } from "./helpers/keys.js";
import { freeLoopbackPort } from "./helpers/redis-server.js";

const model = "amazon.nova-lite-v1:0";
const key = randomKey();
let emulator: Emulator;
let gateway: RunningGateway;
let metricsUrl: string;
let openai: OpenAI;

/** One metric sample's value from the Prometheus text, or undefined when that series does not exist. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

const scrape = async () => (await fetch(`${metricsUrl}/metrics`)).text();

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  const port = await freeLoopbackPort();
  gateway = await startGateway(emulator, { API_KEY: key, METRICS_PORT: String(port) });
  metricsUrl = `http://127.0.0.1:${port}`;
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
});

describe("Prometheus metrics on their own listener (METRICS_PORT)", () => {
  it("counts each kind of traffic in its metric family after it happened", async () => {
    const before = await scrape();
    expect(sample(before, "aegis_requests_total", { route: "chat" })).toBeUndefined();

    await openai.chat.completions.create({ model, messages: [{ role: "user", content: "one two three" }] });
    const stream = await openai.chat.completions.create({
      model,
      messages: [{ role: "user", content: "streamed words here" }],
      stream: true,
    });
    for await (const _chunk of stream) {
      // read to the end
    }
    await openai.embeddings.create({ model: "amazon.titan-embed-text-v2:0", input: "embed me" });
    const anthropic = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: key, maxRetries: 0 });
    await anthropic.messages.create({ model, max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    await expect(
      openai.chat.completions.create({ model, messages: [{ role: "user", content: "@@throttle" }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(
      openai.chat.completions.create({
        model,
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "http://127.0.0.1:9/x.png" } }] },
        ],
      }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const wrongKey = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "not-the-key", maxRetries: 0 });
    await expect(wrongKey.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    // The access of a request is counted when its response closes, just after the client saw it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = await scrape();
    expect(sample(text, "aegis_requests_total", { route: "chat", status: "200", model })).toBe(2);
    expect(sample(text, "aegis_requests_total", { route: "messages", status: "200", model })).toBe(1);
    expect(
      sample(text, "aegis_requests_total", { route: "embeddings", model: "amazon.titan-embed-text-v2:0" }),
    ).toBe(1);
    expect(sample(text, "aegis_requests_total", { route: "chat", status: "429" })).toBe(1);
    expect(sample(text, "aegis_requests_total", { route: "models", status: "401", model: "none" })).toBe(1);
    expect(sample(text, "aegis_request_duration_seconds_count", { route: "chat", status: "200" })).toBe(2);
    expect(sample(text, "aegis_time_to_first_token_seconds_count", { route: "chat", model })).toBe(1);
    expect(
      sample(text, "aegis_tokens_total", { model, key: "default", direction: "output" }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, "aegis_tokens_total", { direction: "input", model: "amazon.titan-embed-text-v2:0" }),
    ).toBe(2);
    expect(
      sample(text, "aegis_bedrock_call_duration_seconds_count", { operation: "ConverseStream", model }),
    ).toBe(1);
    expect(
      sample(text, "aegis_bedrock_errors_total", { operation: "Converse", exception: "ThrottlingException" }),
    ).toBe(1);
    expect(sample(text, "aegis_rate_limited_total", { route: "chat", source: "bedrock" })).toBe(1);
    expect(sample(text, "aegis_ssrf_refusals_total", { reason: "blocked_address" })).toBe(1);
    expect(sample(text, "aegis_auth_failures_total", { reason: "invalid_key" })).toBe(1);
    expect(sample(text, "aegis_requests_in_flight")).toBe(0);
    expect(sample(text, "aegis_streams_in_flight")).toBe(0);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(sample(text, "nodejs_eventloop_lag_p99_seconds")).toBeGreaterThanOrEqual(0);
  });

  it("keeps model labels bounded: a name Bedrock never answered is counted as other", async () => {
    for (const name of ["made-up-1", "made-up-2"]) {
      await expect(
        openai.chat.completions.create({ model: name, messages: [{ role: "user", content: "x" }] }),
      ).rejects.toThrow();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = await scrape();
    expect(text).not.toContain("made-up-1");
    expect(sample(text, "aegis_requests_total", { route: "chat", model: "other" })).toBeGreaterThanOrEqual(2);
  });

  it("is served only on its own listener: the public port has no /metrics and the metrics port no API", async () => {
    const publicMetrics = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(publicMetrics.status).toBe(404);
    const apiOnMetricsPort = await fetch(`${metricsUrl}/v1/models`);
    expect(apiOnMetricsPort.status).toBe(404);
    expect(await apiOnMetricsPort.text()).not.toContain("aegis_");
  });
});
