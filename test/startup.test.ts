import { describe, expect, it } from "vitest";
import { runMain } from "./helpers/spawn.js";

describe("startup", () => {
  it.each([
    [{ PORT: "eighty" }, /^aegis: Invalid configuration: PORT: /],
    [{ MODEL_ALIASES: "{" }, /^aegis: Invalid configuration: MODEL_ALIASES: /],
    [{ MAX_REQUEST_BODY_SIZE: "-1" }, /^aegis: Invalid configuration: MAX_REQUEST_BODY_SIZE: /],
  ])("stops with one clear line for %j", async (env, line) => {
    const exit = await runMain({ AWS_REGION: "us-east-1", ...env });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr.trim()).toMatch(line);
    expect(exit.stderr.trim().split("\n")).toHaveLength(1);
  });
});
