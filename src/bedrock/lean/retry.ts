import {
  getRetryAfterHint,
  isServerError,
  isThrottlingError,
  isTransientError,
  StandardRetryStrategy,
} from "@smithy/core/retry";
import type { RetryErrorInfo, RetryErrorType, SdkError, StandardRetryToken } from "@smithy/types";

/** Runs one attempt of a call, and the next ones when BEDROCK_MAX_ATTEMPTS allows and the error is retryable. */
export type Retrier = <T>(attempt: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

/** Connection-level failures undici reports under its own codes; node's http reports them as ECONNRESET. */
const undiciTransientCodes = new Set(["UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_CLOSED"]);

function errorType(error: SdkError): RetryErrorType {
  if (isThrottlingError(error)) return "THROTTLING";
  if (isTransientError(error) || undiciTransientCodes.has((error as { code?: string }).code ?? ""))
    return "TRANSIENT";
  if (isServerError(error)) return "SERVER_ERROR";
  return "CLIENT_ERROR";
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function recordAttempts(error: unknown, attempts: number, totalRetryDelay: number): void {
  if (error === null || typeof error !== "object") return;
  const target = error as { $metadata?: Record<string, unknown> };
  target.$metadata ??= {};
  target.$metadata.attempts = attempts;
  target.$metadata.totalRetryDelay = totalRetryDelay;
}

/**
 * The stock client's retry behaviour, with the SDK's own strategy and error classification: throttling and
 * transient errors are retried with its backoff (and retry-after hint) and its shared retry quota, up to
 * maxAttempts. With maxAttempts 1 (the default) every error goes straight to the caller.
 */
export function sdkRetrier(maxAttempts: number): Retrier {
  const strategy = new StandardRetryStrategy(maxAttempts);
  return async (attempt, signal) => {
    if (maxAttempts <= 1) {
      try {
        return await attempt();
      } catch (error) {
        recordAttempts(error, 1, 0);
        throw error;
      }
    }
    let token: StandardRetryToken = await strategy.acquireInitialRetryToken("");
    let totalRetryDelay = 0;
    for (;;) {
      try {
        const result = await attempt();
        strategy.recordSuccess(token);
        return result;
      } catch (error) {
        const attempts = token.getRetryCount() + 1;
        if (signal?.aborted) {
          recordAttempts(error, attempts, totalRetryDelay);
          throw error;
        }
        const info: RetryErrorInfo = { errorType: errorType(error as SdkError) };
        const hint = getRetryAfterHint((error as { $response?: unknown }).$response);
        if (hint) info.retryAfterHint = hint;
        const started = Date.now();
        try {
          // The strategy waits out the backoff itself before handing back the next token.
          token = await abortable(strategy.refreshRetryTokenForRetry(token, info), signal);
        } catch {
          recordAttempts(error, attempts, totalRetryDelay);
          throw error;
        }
        totalRetryDelay += Date.now() - started;
      }
    }
  };
}
