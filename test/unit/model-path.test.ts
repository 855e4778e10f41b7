import { afterAll, describe, expect, it } from "vitest";
import { createLeanRuntime } from "../../src/bedrock/lean/runtime.js";
import { createSdkRuntime } from "../../src/bedrock/sdk-runtime.js";
import { GatewayError } from "../../src/errors.js";

const loneSurrogate = "anthropic.claude-\ud800";
const messages = [{ role: "user" as const, content: [{ text: "hi" }] }];

/**
 * Both transports build `/model/{modelId}/…` paths. Whatever reaches them (a route that forgot to check the
 * name, a future caller), an id that cannot be percent-encoded is a 400 naming `model`, not a URIError.
 * No call leaves the process: the check comes before any connection.
 */
describe.each([
  ["lean", createLeanRuntime],
  ["sdk", createSdkRuntime],
])("the %s transport's model paths", (_name, create) => {
  const runtime = create({ region: "us-east-1", maxAttempts: 1 });
  afterAll(() => runtime.destroy());

  it.each([
    ["converse", () => runtime.converse({ modelId: loneSurrogate, messages })],
    ["converseStream", () => runtime.converseStream({ modelId: loneSurrogate, messages })],
    ["invokeModel", () => runtime.invokeModel({ modelId: loneSurrogate, body: "{}" })],
    ["countTokens", () => runtime.countTokens({ modelId: loneSurrogate, input: { converse: { messages } } })],
  ])("%s refuses an unpaired surrogate with a 400", async (_call, call) => {
    const error = await call().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as GatewayError).param).toBe("model");
  });
});
