import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicClient, lastCall, type Stack } from "./helpers/anthropic.js";
import { startStack } from "./helpers/gateway.js";

/**
 * Public Claude names the gateway's table does not know resolve against the emulator's catalogue, which
 * lists the current Claude models on Bedrock and their profiles (src/emulator/catalogue.ts).
 */
const stacks: Stack[] = [];
async function stackIn(region: string, env: Record<string, string> = {}) {
  const stack = await startStack({ AWS_REGION: region, ...env });
  stacks.push(stack);
  return stack;
}
afterAll(async () => {
  for (const stack of stacks) await stack.close();
});

const ask = (stack: Stack, model: string) =>
  anthropicClient(stack).messages.create({
    model,
    max_tokens: 16,
    messages: [{ role: "user", content: "hello" }],
  });

describe("public Claude names Bedrock lists but the table does not", () => {
  let us: Stack;
  beforeAll(async () => {
    us = await stackIn("us-east-1", { MODEL_ALIASES: '{"claude-opus-5-5":"us.anthropic.claude-opus-4-8"}' });
  });

  it("claude-fable-5 in us-east-1 → the us. profile, and the answer keeps the caller's name", async () => {
    const message = await ask(us, "claude-fable-5");
    expect(lastCall(us.emulator).modelId).toBe("us.anthropic.claude-fable-5");
    expect(message.model).toBe("claude-fable-5");
  });

  it("count_tokens resolves the same way (to the foundation model, as CountTokens requires)", async () => {
    await anthropicClient(us).messages.countTokens({
      model: "claude-fable-5",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(lastCall(us.emulator, "CountTokens").modelId).toBe("anthropic.claude-fable-5");
  });

  it("the table still wins (claude-opus-4-8), and MODEL_ALIASES before it", async () => {
    await ask(us, "claude-opus-4-8");
    expect(lastCall(us.emulator).modelId).toBe("us.anthropic.claude-opus-4-8");
    await ask(us, "claude-opus-5-5");
    expect(lastCall(us.emulator).modelId).toBe("us.anthropic.claude-opus-4-8");
  });

  it("an unknown name is 404 not_found_error, and never reaches Bedrock's runtime", async () => {
    const before = us.emulator.requests.filter((r) => r.operation.startsWith("Converse")).length;
    const error = await ask(us, "claude-imaginary-9").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).type).toBe("not_found_error");
    expect(us.emulator.requests.filter((r) => r.operation.startsWith("Converse"))).toHaveLength(before);
  });

  it("the models route lists them under the same public names", async () => {
    const ids = (await anthropicClient(us).models.list({ limit: 1000 })).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["claude-fable-5", "claude-opus-5-5", "claude-opus-4-8"]));
    expect(ids.some((id) => /^(us|eu|global|jp|apac|au)\./.test(id))).toBe(false);
    expect((await anthropicClient(us).models.retrieve("claude-fable-5")).display_name).toBe("Claude Fable 5");
  });
});

describe("the profile follows the region", () => {
  it("claude-opus-5-5 has no us. profile: us-east-1 reaches it through global.", async () => {
    const stack = await stackIn("us-east-1");
    await ask(stack, "claude-opus-5-5");
    expect(lastCall(stack.emulator).modelId).toBe("global.anthropic.claude-opus-5-5");
  });

  it("Tokyo gets the jp. profile of claude-opus-5-5", async () => {
    const stack = await stackIn("ap-northeast-1");
    await ask(stack, "claude-opus-5-5");
    expect(lastCall(stack.emulator).modelId).toBe("jp.anthropic.claude-opus-5-5");
  });
});
