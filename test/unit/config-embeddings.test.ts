import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

describe("embeddings configuration", () => {
  it("defaults to 8 calls in flight and OpenAI's 2048 inputs", () => {
    expect(loadConfig({})).toMatchObject({ EMBEDDINGS_MAX_CONCURRENCY: 8, EMBEDDINGS_MAX_INPUTS: 2048 });
    expect(loadConfig({ EMBEDDINGS_MAX_CONCURRENCY: "2" }).EMBEDDINGS_MAX_CONCURRENCY).toBe(2);
  });

  it.each([
    [{ EMBEDDINGS_MAX_CONCURRENCY: "0" }, "EMBEDDINGS_MAX_CONCURRENCY"],
    [{ EMBEDDINGS_MAX_CONCURRENCY: "many" }, "EMBEDDINGS_MAX_CONCURRENCY"],
    [{ EMBEDDINGS_MAX_INPUTS: "-1" }, "EMBEDDINGS_MAX_INPUTS"],
  ])("refuses %j naming the variable", (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });
});
