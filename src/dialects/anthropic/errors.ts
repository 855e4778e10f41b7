import type { ErrorKind, GatewayError } from "../../errors.js";

/** Anthropic's error types (https://docs.anthropic.com/en/api/errors). */
const typeOfKind: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  method_not_allowed: "invalid_request_error",
  request_too_large: "request_too_large",
  rate_limit: "rate_limit_error",
  timeout: "timeout_error",
  upstream: "api_error",
  unavailable: "overloaded_error",
  internal: "api_error",
};

/**
 * Anthropic answers "temporarily unavailable" with 529 overloaded_error, which its clients retry with
 * backoff; Bedrock unavailability means the same. Every other kind keeps the gateway's status
 * (502 api_error for a failed model, 504 timeout_error for a model timeout).
 */
export function anthropicStatus(error: GatewayError): number {
  return error.kind === "unavailable" && error.status === 503 ? 529 : error.status;
}

/** `{"type":"error","error":{"type","message"}}`, the shape Anthropic's clients parse. */
export function anthropicErrorBody(error: GatewayError) {
  return { type: "error" as const, error: { type: typeOfKind[error.kind], message: error.message } };
}
