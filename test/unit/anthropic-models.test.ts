import { describe, expect, it } from "vitest";
import type { CatalogueModel } from "../../src/bedrock/catalogue.js";
import {
  claudeModels,
  createClaudeModelResolver,
  profileGeography,
} from "../../src/dialects/anthropic/models.js";
import { claudeModelList, modelPage } from "../../src/dialects/anthropic/models-route.js";
import { GatewayError } from "../../src/errors.js";

const model = (id: string, fields: Partial<CatalogueModel> = {}): CatalogueModel => ({
  id,
  name: id,
  provider: "Anthropic",
  kind: id.includes(".anthropic.") ? "inference-profile" : "foundation-model",
  outputModalities: ["TEXT"],
  inputModalities: ["TEXT", "IMAGE"],
  streaming: true,
  created: 0,
  ...fields,
});

describe("Claude model names", () => {
  it.each([
    ["us-east-1", "claude-sonnet-4-5", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ["us-west-2", "claude-sonnet-4-5-20250929", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ["eu-central-1", "claude-haiku-4-5", "eu.anthropic.claude-haiku-4-5-20251001-v1:0"],
    ["ap-northeast-1", "claude-opus-4-6", "apac.anthropic.claude-opus-4-6-v1"],
    ["us-gov-west-1", "claude-3-5-haiku-latest", "us-gov.anthropic.claude-3-5-haiku-20241022-v1:0"],
    ["sa-east-1", "claude-sonnet-4-0", "anthropic.claude-sonnet-4-20250514-v1:0"],
  ])("in %s, %s → %s", async (region, name, bedrockId) => {
    expect(await createClaudeModelResolver({}, region)(name)).toBe(bedrockId);
  });

  it("passes Bedrock ids and ARNs through, applies MODEL_ALIASES first", async () => {
    const resolve = createClaudeModelResolver(
      { fast: "claude-haiku-4-5", "claude-sonnet-4-5": "global.anthropic.claude-sonnet-4-5-20250929-v1:0" },
      "us-east-1",
    );
    expect(await resolve("anthropic.claude-3-haiku-20240307-v1:0")).toBe(
      "anthropic.claude-3-haiku-20240307-v1:0",
    );
    expect(await resolve("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc")).toMatch(
      /^arn:/,
    );
    expect(await resolve("fast")).toBe("us.anthropic.claude-haiku-4-5-20251001-v1:0");
    expect(await resolve("claude-sonnet-4-5")).toBe("global.anthropic.claude-sonnet-4-5-20250929-v1:0");
  });

  it("answers an unknown claude- name with 404 not found", async () => {
    const error = await createClaudeModelResolver(
      {},
      "us-east-1",
    )("claude-imaginary-9").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(404);
    expect((error as GatewayError).kind).toBe("not_found");
  });

  it("has one entry per public name", () => {
    const names = claudeModels.flatMap((entry) => [entry.id, ...entry.aliases]);
    expect(new Set(names).size).toBe(names.length);
    expect(profileGeography("me-south-1")).toBeUndefined();
  });
});

describe("Claude model list", () => {
  const catalogue = [
    model("anthropic.claude-sonnet-4-5-20250929-v1:0", { name: "Claude Sonnet 4.5" }),
    model("us.anthropic.claude-sonnet-4-5-20250929-v1:0", { created: 1_760_000_000 }),
    model("anthropic.claude-instant-v1", { name: "Claude Instant", created: 1_700_000_000 }),
    model("anthropic.claude-opus-4-6-v1", { created: 1_770_000_000 }),
    model("amazon.nova-pro-v1:0", { provider: "Amazon" }),
  ];

  it("lists Claude only, under Anthropic's names, newest first", () => {
    const list = claudeModelList(catalogue, { writer: "claude-sonnet-4-5", nova: "amazon.nova-pro-v1:0" });
    expect(list).toEqual([
      {
        type: "model",
        id: "claude-opus-4-6",
        display_name: "Claude Opus 4.6",
        created_at: "2026-02-02T02:40:00Z",
      },
      {
        type: "model",
        id: "claude-sonnet-4-5-20250929",
        display_name: "Claude Sonnet 4.5",
        created_at: "2025-09-29T00:00:00Z",
      },
      { type: "model", id: "writer", display_name: "writer", created_at: "2025-09-29T00:00:00Z" },
      {
        type: "model",
        // Unknown to the table: listed under the public name the resolver accepts.
        id: "claude-instant",
        display_name: "Claude Instant",
        created_at: "2023-11-14T22:13:20Z",
      },
    ]);
  });

  const ids = ["a", "b", "c", "d", "e"];
  const models = ids.map((id) => ({ type: "model" as const, id, display_name: id, created_at: "" }));
  const page = (query: { limit: number; after_id?: string; before_id?: string }) => {
    const result = modelPage(models, query);
    return { ...result, data: result.data.map((entry) => entry.id) };
  };

  it.each([
    [{ limit: 2 }, { data: ["a", "b"], has_more: true, first_id: "a", last_id: "b" }],
    [
      { limit: 2, after_id: "b" },
      { data: ["c", "d"], has_more: true, first_id: "c", last_id: "d" },
    ],
    [
      { limit: 2, after_id: "d" },
      { data: ["e"], has_more: false, first_id: "e", last_id: "e" },
    ],
    [
      { limit: 2, after_id: "e" },
      { data: [], has_more: false, first_id: null, last_id: null },
    ],
    [
      { limit: 2, before_id: "e" },
      { data: ["c", "d"], has_more: true, first_id: "c", last_id: "d" },
    ],
    [
      { limit: 2, before_id: "b" },
      { data: ["a"], has_more: false, first_id: "a", last_id: "a" },
    ],
    [{ limit: 20 }, { data: ids, has_more: false, first_id: "a", last_id: "e" }],
  ])("pages %j", (query, expected) => {
    expect(page(query)).toEqual(expected);
  });

  it("refuses an unknown cursor and both cursors at once", () => {
    expect(() => page({ limit: 2, after_id: "zz" })).toThrow(/after_id/);
    expect(() => page({ limit: 2, after_id: "a", before_id: "c" })).toThrow(/not both/);
  });
});
