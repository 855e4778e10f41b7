/**
 * AWS exception names and the HTTP status each service really answers them with. The SDK picks the
 * exception class from the name, but decides on retries partly from the status (5xx and 429 are
 * retried), so the status has to be right for retry behaviour to be testable.
 */

export type Service = "bedrock-runtime" | "bedrock" | "ssm" | "secretsmanager";

/** An AWS error the emulator answers with instead of a result. Thrown by handlers, rendered by the server. */
export class EmulatedError extends Error {
  constructor(
    readonly exceptionName: string,
    message: string,
    readonly status: number,
    /** Extra response headers, e.g. `retry-after`. */
    readonly headers: Record<string, string> = {},
    /** Extra members of the error body (e.g. `originalStatusCode` of ModelErrorException). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = exceptionName;
  }
}

/** Bedrock and Bedrock Runtime (restJson1) statuses, from the service models. */
const BEDROCK_STATUS: Record<string, number> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  ConflictException: 400,
  TooManyTagsException: 400,
  SerializationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

/** Errors any AWS front end may return before the service sees the request. */
const COMMON_STATUS: Record<string, number> = {
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  IncompleteSignatureException: 400,
  UnknownOperationException: 404,
  InternalFailure: 500,
};

/**
 * awsJson1_1 services (SSM, Secrets Manager) answer every client-side error, throttling included,
 * with 400; only their internal errors are 5xx.
 */
const JSON_SERVICE_STATUS: Record<string, number> = {
  InternalServerError: 500, // SSM
  InternalServiceError: 500, // Secrets Manager
  ServiceUnavailable: 503,
  ServiceUnavailableException: 503,
};

export function statusFor(service: Service | undefined, exceptionName: string): number {
  const common = COMMON_STATUS[exceptionName];
  if (common !== undefined) return common;
  if (service === "ssm" || service === "secretsmanager") return JSON_SERVICE_STATUS[exceptionName] ?? 400;
  const known = BEDROCK_STATUS[exceptionName];
  if (known !== undefined) return known;
  // An exception name we have no entry for: guess from the name so server-side faults stay retryable.
  if (/unavailable/i.test(exceptionName)) return 503;
  if (/internal/i.test(exceptionName)) return 500;
  return 400;
}

/** Builds the error for `exceptionName` with the status that service really uses. */
export function serviceError(
  service: Service | undefined,
  exceptionName: string,
  message: string,
  headers?: Record<string, string>,
  fields?: Record<string, unknown>,
): EmulatedError {
  return new EmulatedError(exceptionName, message, statusFor(service, exceptionName), headers, fields);
}
