import { randomBytes } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack } from "./helpers/gateway.js";
import { rawExchange } from "./helpers/raw-http.js";

const key = randomBytes(48).toString("base64url");
const model = "anthropic.claude-3-5-haiku-20241022-v1:0";

describe("API key authentication on the Anthropic routes", () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let baseURL: string;

  beforeAll(async () => {
    stack = await startStack({ API_KEY: key, LOG_LEVEL: "trace" });
    baseURL = `${stack.gateway.url}/anthropic`;
  });
  afterAll(async () => {
    await stack.close();
    expect(stack.gateway.logs.filter((line) => line.includes(key))).toEqual([]);
  });

  const ask = (client: Anthropic) =>
    client.messages.create({ model, max_tokens: 50, messages: [{ role: "user", content: "hello" }] });

  async function refusal(client: Anthropic) {
    const error = await ask(client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    const apiError = error as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(apiError.status).toBe(401);
    expect(apiError.headers?.get("www-authenticate")).toBe("Bearer");
    expect(apiError.error).toMatchObject({
      type: "error",
      error: { type: "authentication_error", message: expect.any(String) },
    });
    expect(JSON.stringify(apiError.error)).not.toContain(key);
    return apiError;
  }

  it("accepts the key from the official Anthropic client", async () => {
    const answer = await ask(new Anthropic({ baseURL, apiKey: key, maxRetries: 0 }));
    expect(answer.content[0]).toMatchObject({ type: "text", text: "Echo: hello" });
  });

  it("accepts the key in X-API-Key, which decides over Authorization", async () => {
    const client = new Anthropic({
      baseURL,
      apiKey: "not-the-key",
      defaultHeaders: { "x-api-key": key },
      maxRetries: 0,
    });
    const answer = await ask(client);
    expect(answer.content[0]).toMatchObject({ type: "text", text: "Echo: hello" });
  });

  it("refuses a wrong key as Anthropic does", async () => {
    const error = await refusal(
      new Anthropic({ baseURL, apiKey: randomBytes(48).toString("base64url"), maxRetries: 0 }),
    );
    expect(error.message).toMatch(/Invalid API key/);
  });

  it("refuses a wrong X-API-Key even with a right Authorization header", async () => {
    await refusal(
      new Anthropic({ baseURL, apiKey: key, defaultHeaders: { "x-api-key": "wrong" }, maxRetries: 0 }),
    );
  });

  it("refuses a missing key as Anthropic does", async () => {
    const response = await fetch(`${baseURL}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "authentication_error", message: expect.stringMatching(/Missing API key/) },
    });
  });

  it("refuses a repeated X-API-Key with an Anthropic invalid_request_error", async () => {
    const { response } = await rawExchange(
      stack.gateway.url,
      [
        "POST /anthropic/v1/messages HTTP/1.1",
        "Host: aegis.test",
        `X-API-Key: ${key}`,
        `x-api-key: ${key}`,
        "",
        "",
      ].join("\r\n"),
    );
    expect(response?.status).toBe(400);
    expect(JSON.parse(response?.body ?? "{}")).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error" },
    });
  });
});
