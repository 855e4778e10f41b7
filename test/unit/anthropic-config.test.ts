import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

describe("ANTHROPIC_ROUTES_PREFIX", () => {
  it("defaults to /anthropic and drops a trailing slash", () => {
    expect(loadConfig({}).ANTHROPIC_ROUTES_PREFIX).toBe("/anthropic");
    expect(loadConfig({ ANTHROPIC_ROUTES_PREFIX: "/api/claude/" }).ANTHROPIC_ROUTES_PREFIX).toBe(
      "/api/claude",
    );
  });

  it.each([["/"], ["anthropic"], ["/a b"], ["/a?x=1"]])("refuses %j naming the variable", (value) => {
    expect(() => loadConfig({ ANTHROPIC_ROUTES_PREFIX: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ANTHROPIC_ROUTES_PREFIX: value })).toThrow(
      /^Invalid configuration: ANTHROPIC_ROUTES_PREFIX: /,
    );
  });

  it("must differ from the OpenAI prefix", () => {
    expect(() => loadConfig({ OPENAI_ROUTES_PREFIX: "/anthropic" })).toThrow(
      /^Invalid configuration: ANTHROPIC_ROUTES_PREFIX: must differ from OPENAI_ROUTES_PREFIX/,
    );
  });
});
