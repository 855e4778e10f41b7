import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicClient, type Stack } from "./helpers/anthropic.js";
import { startStack } from "./helpers/gateway.js";

let stack: Stack;
let client: Anthropic;

beforeAll(async () => {
  stack = await startStack({ MODEL_ALIASES: '{"house":"claude-haiku-4-5","fast":"amazon.nova-micro-v1:0"}' });
  client = anthropicClient(stack);
});
afterAll(() => stack.close());

describe("models", () => {
  it("lists Claude models only, in Anthropic's shape, across pages", async () => {
    const first = await client.models.list({ limit: 3 });
    expect(first.data).toHaveLength(3);
    expect(first.has_more).toBe(true);
    expect(first.first_id).toBe(first.data[0]?.id);
    expect(first.last_id).toBe(first.data[2]?.id);

    const all: Anthropic.ModelInfo[] = [];
    for await (const model of client.models.list({ limit: 3 })) all.push(model);
    const ids = all.map((model) => model.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 3)).toEqual(first.data.map((model) => model.id));
    // A foundation model and its us./eu./global. profiles are one entry under Anthropic's name.
    expect(ids).toContain("claude-sonnet-4-5-20250929");
    expect(ids).toContain("claude-haiku-4-5-20251001");
    expect(ids).toContain("house");
    expect(ids).toContain("claude-3-haiku-20240307");
    expect(ids.some((id) => id.includes("nova") || id === "fast")).toBe(false);
    expect(ids.some((id) => id.startsWith("us.") || id.startsWith("eu."))).toBe(false);
    for (const model of all) {
      expect(model).toEqual({
        type: "model",
        id: expect.any(String),
        display_name: expect.any(String),
        created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      });
    }
    const created = all.map((model) => model.created_at);
    expect(created).toEqual([...created].sort().reverse());
  });

  it("pages backwards with before_id", async () => {
    const all = (await client.models.list({ limit: 1000 })).data.map((model) => model.id);
    const page = await client.models.list({ limit: 2, before_id: all[4] });
    expect(page.data.map((model) => model.id)).toEqual(all.slice(2, 4));
    expect(page.has_more).toBe(true);
  });

  it("retrieves a model by id or by alias", async () => {
    expect(await client.models.retrieve("claude-sonnet-4-5-20250929")).toMatchObject({
      id: "claude-sonnet-4-5-20250929",
      display_name: "Claude Sonnet 4.5",
      created_at: "2025-09-29T00:00:00Z",
    });
    expect((await client.models.retrieve("claude-sonnet-4-5")).id).toBe("claude-sonnet-4-5-20250929");
    expect((await client.models.retrieve("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).id).toBe(
      "claude-sonnet-4-5-20250929",
    );
    const error = await client.models.retrieve("amazon.nova-micro-v1:0").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).type).toBe("not_found_error");
  });

  it("refuses bad pagination with invalid_request_error", async () => {
    for (const query of [{ limit: 0 }, { limit: 5000 }, { after_id: "no-such-model" }]) {
      const error = await client.models.list(query).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(query)).toBeInstanceOf(Anthropic.BadRequestError);
    }
  });
});
