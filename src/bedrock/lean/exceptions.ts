import * as runtime from "@aws-sdk/client-bedrock-runtime";
import { decorateServiceException } from "@smithy/core/client";
import type { ResponseMetadata } from "@smithy/types";

type ExceptionClass = new (options: {
  message?: string;
  $metadata: ResponseMetadata;
}) => runtime.BedrockRuntimeServiceException;

const { BedrockRuntimeServiceException } = runtime;

/** The SDK's exception class of that name (ThrottlingException, ValidationException…), if it has one. */
function exceptionClass(name: string): ExceptionClass | undefined {
  const candidate = (runtime as Record<string, unknown>)[name];
  return typeof candidate === "function" && candidate.prototype instanceof BedrockRuntimeServiceException
    ? (candidate as ExceptionClass)
    : undefined;
}

/** x-amzn-errortype, else the body's code or __type, trimmed of namespace and suffix, as the SDK reads it. */
function errorCode(headers: Record<string, string>, body: Record<string, unknown>): string | undefined {
  const raw = headers["x-amzn-errortype"] ?? body.code ?? body.Code ?? body.__type;
  if (raw === undefined || raw === null) return undefined;
  let code = String(raw);
  if (code.includes(",")) code = code.split(",")[0] ?? code;
  if (code.includes(":")) code = code.split(":")[0] ?? code;
  if (code.includes("#")) code = code.split("#")[1] ?? code;
  return code;
}

export function responseMetadata(statusCode: number, headers: Record<string, string>): ResponseMetadata {
  return {
    httpStatusCode: statusCode,
    requestId: headers["x-amzn-requestid"] ?? headers["x-amzn-request-id"] ?? headers["x-amz-request-id"],
    extendedRequestId: headers["x-amz-id-2"],
    cfId: headers["x-amz-cf-id"],
  };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status and headers still say what happened.
  }
  return {};
}

/**
 * An error answer from Bedrock Runtime as the SDK would throw it: an instance of the SDK's exception class
 * (same name, message, $fault, $metadata and body fields), with the raw response as a hidden $response
 * so retry-after reaches mapBedrockError unchanged.
 */
export function serviceException(
  statusCode: number,
  headers: Record<string, string>,
  bodyText: string,
): runtime.BedrockRuntimeServiceException {
  const body = parseObject(bodyText);
  const code = errorCode(headers, body) ?? "Unknown";
  const message = String(body.message ?? body.Message ?? "UnknownError");
  const $metadata = responseMetadata(statusCode, headers);
  const Known = exceptionClass(code);
  const exception = Known
    ? new Known({ message, $metadata })
    : new BedrockRuntimeServiceException({
        name: code,
        $fault: statusCode < 500 ? "client" : "server",
        $metadata,
        message,
      });
  decorateServiceException(exception, body);
  Object.defineProperty(exception, "$response", {
    value: { statusCode, headers, body: bodyText },
    enumerable: false,
    writable: false,
    configurable: false,
  });
  return exception;
}

/**
 * An exception event inside a ConverseStream (e.g. modelStreamErrorException), as the SDK throws it: the
 * modelled class when the union member is known, else a plain Error named after the member, carrying the
 * payload text.
 */
export function streamException(
  className: string | undefined,
  member: string,
  payload: Record<string, unknown>,
  bodyText: string,
): Error {
  const Known = className === undefined ? undefined : exceptionClass(className);
  if (!Known) {
    const error = new Error(bodyText);
    error.name = member;
    return error;
  }
  const message = String(payload.message ?? payload.Message ?? "Unknown");
  // The SDK builds these without response metadata: nothing about HTTP is known mid-stream.
  const exception = new Known({ message } as { message: string; $metadata: ResponseMetadata });
  return Object.assign(exception, payload, { message });
}
