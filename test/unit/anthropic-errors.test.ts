import { describe, expect, it } from "vitest";
import { anthropicErrorBody, anthropicStatus } from "../../src/dialects/anthropic/errors.js";
import { type ErrorKind, GatewayError } from "../../src/errors.js";

describe("Anthropic error rendering", () => {
  it.each([
    ["invalid_request", 400, "invalid_request_error"],
    ["authentication", 401, "authentication_error"],
    ["permission", 403, "permission_error"],
    ["not_found", 404, "not_found_error"],
    ["method_not_allowed", 405, "invalid_request_error"],
    ["request_too_large", 413, "request_too_large"],
    ["rate_limit", 429, "rate_limit_error"],
    ["internal", 500, "api_error"],
    ["upstream", 502, "api_error"],
    ["unavailable", 529, "overloaded_error"],
    ["timeout", 504, "timeout_error"],
  ] as [ErrorKind, number, string][])("%s → %i %s", (kind, status, type) => {
    const error = new GatewayError(kind, "what happened", { param: "x", code: "c" });
    expect(anthropicStatus(error)).toBe(status);
    expect(anthropicErrorBody(error)).toEqual({ type: "error", error: { type, message: "what happened" } });
  });

  it("keeps an explicit status other than 503", () => {
    expect(anthropicStatus(new GatewayError("unavailable", "x", { status: 501 }))).toBe(501);
  });
});
