import { GatewayError } from "../errors.js";

/** Remove ARNs and AWS account ids: they identify the deployment's account and say nothing useful to a caller. */
export function scrubAwsIdentifiers(message: string): string {
  return message
    .replace(/arn:aws[a-z-]*:[^\s"',;)]*/gi, "<arn>")
    .replace(/(?<!\d)\d{12}(?!\d)/g, "<account>");
}

interface SdkErrorLike {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

function retryAfterSeconds(error: SdkErrorLike): number | undefined {
  const header = error.$response?.headers?.["retry-after"];
  if (header === undefined) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

const networkErrorCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** No HTTP answer at all: the network or the endpoint failed (the SDK passes Node's socket errors through). */
function isNetworkFailure(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: string; name?: string };
  return (code !== undefined && networkErrorCodes.has(code)) || name === "TimeoutError";
}

function isAbort(error: SdkErrorLike): boolean {
  return error.name === "AbortError" || error.name === "RequestAbortedError";
}

/** The one place where Bedrock (AWS SDK) failures become gateway errors. */
export function mapBedrockError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const sdk = (error ?? {}) as SdkErrorLike;
  const message = scrubAwsIdentifiers(sdk.message || "Bedrock request failed");
  switch (sdk.name) {
    case "ThrottlingException":
    case "ServiceQuotaExceededException": {
      const retryAfter = retryAfterSeconds(sdk);
      return new GatewayError("rate_limit", `Bedrock is throttling requests: ${message}`, {
        code: "rate_limit_exceeded",
        ...(retryAfter === undefined ? {} : { retryAfter }),
      });
    }
    case "ValidationException":
      if (/model identifier is invalid/i.test(message)) {
        return new GatewayError("not_found", "The model does not exist or is not available in this region.", {
          code: "model_not_found",
          param: "model",
        });
      }
      return new GatewayError("invalid_request", `Bedrock rejected the request: ${message}`);
    case "ResourceNotFoundException":
      return new GatewayError("not_found", `Not found on Bedrock: ${message}`, {
        code: "model_not_found",
        param: "model",
      });
    case "AccessDeniedException":
      return new GatewayError("permission", `Access to the model was denied: ${message}`, {
        code: "access_denied",
      });
    case "ServiceUnavailableException":
    case "ModelNotReadyException":
      return new GatewayError("unavailable", `Bedrock is unavailable: ${message}`, {
        code: "service_unavailable",
      });
    case "ModelTimeoutException":
      return new GatewayError("timeout", `The model timed out: ${message}`, { code: "model_timeout" });
    case "ModelErrorException":
    case "ModelStreamErrorException":
    case "InternalServerException":
      return new GatewayError("upstream", `Bedrock failed: ${message}`, { code: "upstream_error" });
  }
  if (isAbort(sdk)) return new GatewayError("timeout", "The Bedrock call was aborted.", { code: "aborted" });
  const status = sdk.$metadata?.httpStatusCode;
  if (status === 429) return new GatewayError("rate_limit", `Bedrock is throttling requests: ${message}`);
  if (status !== undefined && status >= 500)
    return new GatewayError("upstream", `Bedrock failed: ${message}`, { cause: error });
  // Unrecognised key, bad signature, expired token: the gateway's own AWS credentials are at fault,
  // not the caller's request, so this is not a 4xx the caller could fix. The AWS message stays in the log.
  if (status === 401 || status === 403) {
    return new GatewayError("upstream", "Bedrock refused the gateway's AWS credentials.", {
      code: "upstream_credentials",
      detail: `${sdk.name ?? "error"}: ${message}`,
    });
  }
  if (status !== undefined && status >= 400)
    return new GatewayError("invalid_request", `Bedrock rejected the request: ${message}`);
  if (isNetworkFailure(error)) {
    return new GatewayError("unavailable", "Bedrock could not be reached.", {
      code: "service_unavailable",
      cause: error,
    });
  }
  // Not an AWS error: a fault of the gateway's own (the log needs its stack).
  return new GatewayError("internal", "The gateway failed to process the request.", { cause: error });
}
