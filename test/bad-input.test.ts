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

/** `levels` arrays, one inside the next: `[[[…]]]`. */
const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
const deep = nested(4000);

describe("nesting deeper than 100 levels", () => {
  // Before the fix: 500 from a RangeError (stack overflow) in JSON.stringify.
  const user = `{"role":"user","content":"hi"}`;
  const chat = (fields: string, messages = user) =>
    post("/v1/chat/completions", `{"model":"amazon.nova-lite-v1:0","messages":[${messages}]${fields}}`);
  it.each([
    ["a field passed through to the model", `,"top_k":${deep}`, "top_k"],
    ["an unknown extra field", `,"vendor_option":{"a":${deep}}`, "vendor_option.a"],
    [
      "a response_format JSON schema",
      `,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","enum":${deep}}}}`,
      "response_format.json_schema.schema.enum",
    ],
    [
      "tool parameters",
      `,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","default":${deep}}}}]`,
      "tools[0].function.parameters.default",
    ],
  ])("in %s is a 400 naming the field (OpenAI)", async (_name, fields, param) => {
    const { status, body } = await chat(fields);
    expect(status).toBe(400);
    expect(body.error.param).toBe(param);
    expect(body.error.message).toMatch(/nested more than 100 levels/);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("in tool call arguments (a JSON string) is a 400 naming them (OpenAI)", async () => {
    const call = `{"id":"c1","type":"function","function":{"name":"f","arguments":${JSON.stringify(`{"a":${deep}}`)}}}`;
    const messages = `${user},{"role":"assistant","content":null,"tool_calls":[${call}]},{"role":"tool","tool_call_id":"c1","content":"ok"}`;
    const { status, body } = await chat("", messages);
    expect(status).toBe(400);
    expect(body.error.param).toBe("messages[1].tool_calls[0].function.arguments.a");
  });

  const anthropic = (path: string, fields: string, messages = user) =>
    post(path, `{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[${messages}]${fields}}`);
  const toolUse = `{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{"a":${deep}}}]}`;
  const toolResult = `{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}`;
  it.each([
    ["tool_use input", "", `${user},${toolUse},${toolResult}`],
    [
      "a tool input_schema",
      `,"tools":[{"name":"f","input_schema":{"type":"object","default":${deep}}}]`,
      user,
    ],
    [
      "an output_config JSON schema",
      `,"output_config":{"format":{"type":"json_schema","schema":{"type":"object","enum":${deep}}}}`,
      user,
    ],
  ])("in %s is a 400 in Anthropic's shape, on messages and count_tokens", async (_name, fields, messages) => {
    for (const path of ["/anthropic/v1/messages", "/anthropic/v1/messages/count_tokens"]) {
      const { status, body } = await anthropic(path, fields, messages);
      expect(status, path).toBe(400);
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.message).toMatch(/nested more than 100 levels/);
    }
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("exactly 100 levels (the body is level 1) still reach the model; 101 do not", async () => {
    expect((await chat(`,"top_k":${nested(99)}`)).status).toBe(200);
    const refused = await chat(`,"top_k":${nested(100)}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe("top_k");
  });
});
