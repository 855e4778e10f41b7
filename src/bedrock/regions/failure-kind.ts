/**
 * Which Bedrock failures another region may not share: quota (throttling: the quota is per region and model)
 * and unavailability (the service or the model is down there, or the region cannot be reached at all).
 * Anything else (a bad request, a missing model, denied access) would fail the same way elsewhere.
 */
export type RegionalFailure = "quota" | "unavailable";

/** Failures to open a connection: nothing was sent, the request is safe to send elsewhere. */
const connectFailureCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function regionalFailure(error: unknown): RegionalFailure | undefined {
  const { name, code, message, $metadata } = (error ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  switch (name) {
    case "ThrottlingException":
    case "ServiceQuotaExceededException":
      return "quota";
    case "ServiceUnavailableException":
    case "ModelNotReadyException":
      return "unavailable";
  }
  if ($metadata?.httpStatusCode === 429) return "quota";
  if ($metadata?.httpStatusCode === 503) return "unavailable";
  if (code !== undefined && connectFailureCodes.has(code)) return "unavailable";
  // The SDK handler's connectionTimeout: a TimeoutError that says the socket never connected.
  if (name === "TimeoutError" && /did not establish a connection/.test(message ?? "")) return "unavailable";
  return undefined;
}
