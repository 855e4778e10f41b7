import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

const id = "AWS_BEDROCK_GUARDRAIL_IDENTIFIER";
const version = "AWS_BEDROCK_GUARDRAIL_VERSION";

describe("guardrail settings", () => {
  it("default to no guardrail, trace disabled, sync streams", () => {
    expect(loadConfig({})).toMatchObject({
      [id]: undefined,
      [version]: undefined,
      AWS_BEDROCK_GUARDRAIL_TRACE: "disabled",
      AWS_BEDROCK_GUARDRAIL_STREAM_MODE: "sync",
    });
  });

  it.each([
    ["abc123xyz", "1"],
    ["abc123xyz", "DRAFT"],
    ["abc123xyz", "99999999"],
    ["arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123xyz", "3"],
    ["arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:guardrail/abc123xyz", "1"],
  ])("accept %s version %s (the API reference patterns)", (identifier, guardrailVersion) => {
    expect(loadConfig({ [id]: identifier, [version]: guardrailVersion })).toMatchObject({
      [id]: identifier,
      [version]: guardrailVersion,
    });
  });

  it.each([
    [{ [id]: "abc123" }, version],
    [{ [version]: "1" }, id],
    [{ [id]: "My-Guardrail", [version]: "1" }, id],
    [{ [id]: "arn:aws:bedrock:us-east-1:12345:guardrail/abc", [version]: "1" }, id],
    [{ [id]: "arn:aws:bedrock:us-east-1:123456789012:agent/abc", [version]: "1" }, id],
    [{ [id]: "abc123", [version]: "0" }, version],
    [{ [id]: "abc123", [version]: "draft" }, version],
    [{ [id]: "abc123", [version]: "123456789" }, version],
    [{ AWS_BEDROCK_GUARDRAIL_TRACE: "on" }, "AWS_BEDROCK_GUARDRAIL_TRACE"],
    [{ AWS_BEDROCK_GUARDRAIL_STREAM_MODE: "ASYNCHRONOUS" }, "AWS_BEDROCK_GUARDRAIL_STREAM_MODE"],
  ])("refuse %j, naming %s", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable}: `));
  });
});
