import { describe, expect, it } from "vitest";
import { mapBedrockError, scrubAwsIdentifiers } from "../../src/bedrock/errors.js";

const sdkError = (name: string, message: string, status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $response: { headers } });

describe("Bedrock error mapping", () => {
  it.each([
    ["ThrottlingException", 429, 429],
    ["ServiceQuotaExceededException", 400, 429],
    ["ValidationException", 400, 400],
    ["ResourceNotFoundException", 404, 404],
    ["AccessDeniedException", 403, 403],
    ["ServiceUnavailableException", 503, 503],
    ["ModelNotReadyException", 429, 503],
    ["ModelTimeoutException", 408, 504],
    ["ModelErrorException", 424, 502],
    ["InternalServerException", 500, 502],
  ])("%s (HTTP %i) becomes %i", (name, upstream, expected) => {
    expect(mapBedrockError(sdkError(name, "boom", upstream)).status).toBe(expected);
  });

  it.each(["UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"])(
    "%s (the gateway's credentials) becomes a 502, not a 4xx the caller could fix",
    (name) => {
      const error = mapBedrockError(
        sdkError(name, "The security token included in the request is invalid.", 403),
      );
      expect(error).toMatchObject({ status: 502, code: "upstream_credentials" });
    },
  );

  it("treats an invalid model identifier as model_not_found", () => {
    const error = mapBedrockError(
      sdkError("ValidationException", "The provided model identifier is invalid.", 400),
    );
    expect(error).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
  });

  it("keeps retry-after from a throttling answer", () => {
    expect(
      mapBedrockError(sdkError("ThrottlingException", "slow down", 429, { "retry-after": "3" })).retryAfter,
    ).toBe(3);
  });

  it("removes ARNs and account ids", () => {
    const text = scrubAwsIdentifiers(
      "User arn:aws:iam::123456789012:role/x is not allowed on arn:aws:bedrock:us-east-1:123456789012:foundation-model/y (account 123456789012)",
    );
    expect(text).not.toMatch(/123456789012|arn:aws/);
  });

  it("does not present a programming error as an upstream failure", () => {
    expect(mapBedrockError(new TypeError("x is undefined")).status).toBe(500);
  });
});
