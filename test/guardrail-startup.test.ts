import { describe, expect, it } from "vitest";
import { runMain } from "./helpers/spawn.js";

/** The real entry point refuses guardrail settings it cannot use (the full table is test/unit/guardrail-config.test.ts). */
describe("guardrail settings at startup", () => {
  it.each([
    [{ AWS_BEDROCK_GUARDRAIL_IDENTIFIER: "abc123" }, "AWS_BEDROCK_GUARDRAIL_VERSION"],
    [
      { AWS_BEDROCK_GUARDRAIL_IDENTIFIER: "My-Guardrail", AWS_BEDROCK_GUARDRAIL_VERSION: "1" },
      "AWS_BEDROCK_GUARDRAIL_IDENTIFIER",
    ],
    [{ AWS_BEDROCK_GUARDRAIL_STREAM_MODE: "ASYNCHRONOUS" }, "AWS_BEDROCK_GUARDRAIL_STREAM_MODE"],
  ])("%j stops startup with one line naming %s", async (env, variable) => {
    const exit = await runMain({ AWS_REGION: "us-east-1", ...env });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr.trim().split("\n")).toHaveLength(1);
    expect(exit.stderr.trim()).toMatch(new RegExp(`^aegis: Invalid configuration: ${variable}: `));
  });
});
