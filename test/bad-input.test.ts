import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStack } from "./helpers/gateway.js";

/**
 * Hostile input that used to crash a route with a 500: each must be a 4xx in the route's dialect that
 * names the field, and must never reach Bedrock.
 */
let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.emulator.reset());

/** Both dialects' error bodies: OpenAI's `error.param`, Anthropic's `type: "error"`. */
interface ErrorBody {
  type?: string;
  error: { type: string; message: string; param?: string | null; code?: string | null };
}

/** Raw JSON text, so a lone surrogate escape (`\ud800`) reaches the gateway exactly as a fuzzer sends it. */
async function post(path: string, json: string) {
  const response = await fetch(`${stack.gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: json,
  });
  return { status: response.status, body: (await response.json()) as ErrorBody };
}

const routes = {
  chat: (model: string) =>
    post("/v1/chat/completions", `{"model":"${model}","messages":[{"role":"user","content":"hi"}]}`),
  embeddings: (model: string) => post("/v1/embeddings", `{"model":"${model}","input":"hi"}`),
  messages: (model: string) =>
    post(
      "/anthropic/v1/messages",
      `{"model":"${model}","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`,
    ),
  countTokens: (model: string) =>
    post(
      "/anthropic/v1/messages/count_tokens",
      `{"model":"${model}","messages":[{"role":"user","content":"hi"}]}`,
    ),
};

describe("a model name no model id can be", () => {
  // Before the fix: 500 from a URIError in encodeURIComponent (chat, messages, count_tokens).
  it.each([
    ["a lone high surrogate", "\\ud800"],
    ["a lone low surrogate inside a name", "claude-\\udc00-x"],
    ["a control character", "amazon.nova-lite-v1:0\\n"],
  ])("%s is a 400 naming model on every route", async (_name, model) => {
    for (const [route, call] of Object.entries(routes)) {
      const { status, body } = await call(model);
      expect(status, route).toBe(400);
      if (route === "messages" || route === "countTokens") {
        expect(body.type).toBe("error");
        expect(body.error.type).toBe("invalid_request_error");
        expect(body.error.message).toMatch(/^model /);
      } else {
        expect(body.error.param, route).toBe("model");
        expect(body.error.type).toBe("invalid_request_error");
      }
    }
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("a well-formed pair of surrogates is an ordinary (unknown) name", async () => {
    const { status } = await routes.chat("\\ud83d\\ude00");
    expect(status).toBe(404);
  });
});
