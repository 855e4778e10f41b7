import type { GatewayError } from "../../errors.js";

const typeOfKind: Record<GatewayError["kind"], string> = {
  invalid_request: "invalid_request_error",
  // OpenAI itself answers a bad key with invalid_request_error / invalid_api_key.
  authentication: "invalid_request_error",
  permission: "permission_error",
  not_found: "invalid_request_error",
  method_not_allowed: "invalid_request_error",
  request_too_large: "invalid_request_error",
  rate_limit: "rate_limit_error",
  timeout: "timeout_error",
  upstream: "api_error",
  unavailable: "service_unavailable_error",
  internal: "server_error",
};

/** `{"error":{"message","type","param","code"}}`, the shape OpenAI's clients parse. */
export function openAiErrorBody(error: GatewayError) {
  return {
    error: { message: error.message, type: typeOfKind[error.kind], param: error.param, code: error.code },
  };
}
