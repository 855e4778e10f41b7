import { describe, expect, it } from "vitest";
import type { CatalogueModel } from "../../src/bedrock/catalogue.js";
import { geographiesOf, resolveClaudeName } from "../../src/models/claude-catalogue.js";
import { parseClaudeId, publicClaudeName } from "../../src/models/claude-ids.js";

const listed = (...ids: string[]): CatalogueModel[] =>
  ids.map((id) => ({
    id,
    name: id,
    provider: "Anthropic",
    kind: /^[a-z-]+\.anthropic\./.test(id) ? "inference-profile" : "foundation-model",
    outputModalities: ["TEXT"],
    inputModalities: ["TEXT"],
    streaming: true,
    created: 0,
  }));

describe("Claude ids", () => {
  it.each([
    [
      "anthropic.claude-sonnet-4-5-20250929-v1:0",
      { name: "claude-sonnet-4-5", date: "20250929", major: 1, minor: 0 },
    ],
    ["anthropic.claude-opus-4-6-v1", { name: "claude-opus-4-6", date: "", major: 1, minor: 0 }],
    ["anthropic.claude-opus-4-8", { name: "claude-opus-4-8", date: "", major: 0, minor: 0 }],
    [
      "anthropic.claude-3-5-sonnet-20241022-v2:0",
      { name: "claude-3-5-sonnet", date: "20241022", major: 2, minor: 0 },
    ],
    ["amazon.nova-pro-v1:0", undefined],
  ])("%s", (id, parts) => {
    expect(parseClaudeId(id)).toEqual(parts);
  });

  it("public names keep the date", () => {
    expect(publicClaudeName("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).toBe(
      "claude-sonnet-4-5-20250929",
    );
    expect(publicClaudeName("global.anthropic.claude-fable-5")).toBe("claude-fable-5");
    expect(publicClaudeName("meta.llama3-8b-instruct-v1:0")).toBeUndefined();
  });
});

describe("resolveClaudeName", () => {
  const catalogue = listed(
    "anthropic.claude-x-9-20260101-v1:0",
    "anthropic.claude-x-9-20260601-v1:0",
    "us.anthropic.claude-x-9-20260101-v1:0",
    "us.anthropic.claude-x-9-20260601-v1:0",
    "eu.anthropic.claude-x-9-20260601-v1:0",
    "global.anthropic.claude-x-9-20260601-v1:0",
    "anthropic.claude-y-1",
    "jp.anthropic.claude-y-1",
    "global.anthropic.claude-y-1",
    "anthropic.claude-z-2",
    "eu.anthropic.claude-w-3",
  );

  it.each([
    [
      "the region's geography, newest dated version",
      "claude-x-9",
      "us-east-1",
      "us.anthropic.claude-x-9-20260601-v1:0",
    ],
    [
      "a dated name, exactly that version",
      "claude-x-9-20260101",
      "us-west-2",
      "us.anthropic.claude-x-9-20260101-v1:0",
    ],
    ["eu", "claude-x-9", "eu-west-3", "eu.anthropic.claude-x-9-20260601-v1:0"],
    [
      "global when the geography has none",
      "claude-x-9",
      "ap-south-1",
      "global.anthropic.claude-x-9-20260601-v1:0",
    ],
    ["jp before apac in Tokyo", "claude-y-1", "ap-northeast-1", "jp.anthropic.claude-y-1"],
    ["global when that is the only profile", "claude-y-1", "us-east-1", "global.anthropic.claude-y-1"],
    ["the foundation model when no profile exists", "claude-z-2", "us-east-1", "anthropic.claude-z-2"],
  ])("%s: %s in %s → %s", (_why, name, region, expected) => {
    expect(resolveClaudeName(name, catalogue, region)).toBe(expected);
  });

  it("finds nothing for an unlisted name, a name prefix, or a model callable only from elsewhere", () => {
    expect(resolveClaudeName("claude-imaginary-9", catalogue, "us-east-1")).toBeUndefined();
    expect(resolveClaudeName("claude-x", catalogue, "us-east-1")).toBeUndefined();
    expect(resolveClaudeName("claude-w-3", catalogue, "us-east-1")).toBeUndefined();
    expect(resolveClaudeName("claude-w-3", catalogue, "eu-central-1")).toBe("eu.anthropic.claude-w-3");
  });

  it("maps regions to their geographies", () => {
    expect(geographiesOf("us-gov-west-1")).toEqual(["us-gov"]);
    expect(geographiesOf("ap-southeast-2")).toEqual(["au", "apac"]);
    expect(geographiesOf("sa-east-1")).toEqual([]);
  });
});
