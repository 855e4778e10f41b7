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

  it.each([
    [{ OPENAI_ROUTES_PREFIX: "/anthropic" }],
    [{ ANTHROPIC_ROUTES_PREFIX: "/v1" }],
    [{ OPENAI_ROUTES_PREFIX: "/api", ANTHROPIC_ROUTES_PREFIX: "/api/v1" }],
  ])("must not claim the OpenAI routes: %j", (env) => {
    expect(() => loadConfig(env)).toThrow(
      /^Invalid configuration: ANTHROPIC_ROUTES_PREFIX: must differ from OPENAI_ROUTES_PREFIX/,
    );
  });

  it("may share a parent path with the OpenAI routes", () => {
    const config = loadConfig({ OPENAI_ROUTES_PREFIX: "/api/openai", ANTHROPIC_ROUTES_PREFIX: "/api" });
    expect(config.ANTHROPIC_ROUTES_PREFIX).toBe("/api");
  });
});
