/** What went wrong, independent of the dialect that will render it. */
export type ErrorKind =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "method_not_allowed"
  | "request_too_large"
  | "rate_limit"
  | "timeout"
  | "upstream"
  | "unavailable"
  | "internal";

const statusOfKind: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_too_large: 413,
  rate_limit: 429,
  timeout: 504,
  upstream: 502,
  unavailable: 503,
  internal: 500,
};

export interface GatewayErrorOptions {
  status?: number;
  /** The request field at fault, e.g. "messages.0.role". */
  param?: string | null;
  /** Machine-readable code, e.g. "model_not_found", "invalid_api_key". */
  code?: string | null;
  /** Seconds, sent as the retry-after header. */
  retryAfter?: number;
  headers?: Record<string, string>;
  /** Why, for the log line of the request only; never rendered to the client. */
  detail?: string;
  /** The error this one stands for, logged with its stack (a 5xx must say what failed). */
  cause?: unknown;
}

/** The one error type of the gateway; each dialect renders it in its own shape. */
export class GatewayError extends Error {
  override name = "GatewayError";
  readonly status: number;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;
  readonly detail: string | undefined;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? statusOfKind[kind];
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
    this.detail = options.detail;
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError("invalid_request", message, { param, code });

/** Map any thrown value to a GatewayError: Fastify's own errors keep their 4xx meaning, the rest is internal. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const candidate = error as { statusCode?: number; code?: string; message?: string } | null;
  const status = candidate?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    switch (candidate?.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return new GatewayError("request_too_large", "Request body is larger than the gateway accepts.", {
          code: "request_too_large",
        });
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return new GatewayError("invalid_request", "Content-Type must be application/json.", {
          status: 415,
          code: "unsupported_media_type",
        });
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
        return invalidRequest("Request body is empty; expected a JSON object.");
      case "FST_ERR_CTP_INVALID_JSON_BODY":
      case undefined:
        break;
    }
    if (candidate?.code?.startsWith("FST_ERR_CTP") || error instanceof SyntaxError) {
      return invalidRequest("Request body is not valid JSON.");
    }
    return new GatewayError(
      status === 404 ? "not_found" : "invalid_request",
      candidate?.message ?? "Bad request",
      {
        status,
      },
    );
  }
  return new GatewayError("internal", "The gateway failed to process the request.", { cause: error });
}
