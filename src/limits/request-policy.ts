import type { FastifyRequest } from "fastify";

/** Token counts a model call reported (Bedrock's Converse usage has these fields). */
export interface TokenUsage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cacheReadInputTokens?: number | undefined;
  cacheWriteInputTokens?: number | undefined;
}

export interface ModelCall {
  /** The model name the client sent. */
  requested: string;
  /** The Bedrock model id it resolved to (the same name when it is not an alias). */
  resolved: string;
  /** Input tokens estimated before the call (src/limits/token-estimate.ts); 0 when the call costs none. */
  estimatedTokens: number;
}

/**
 * What the key of one request may do, decided where it can be: the route, requests per minute and in-flight
 * slots in the authentication hook; the model and tokens per minute by the route, once its body is parsed.
 * Every route that calls a model calls `admitModel` once before the call and `settle` once after it.
 */
export interface RequestPolicy {
  /** The name of the key that authenticated the request; undefined when authentication is off. */
  readonly keyName: string | undefined;
  /** Whether the key may use a model known by any of `names` (a model list shows only those). */
  allowsModel(...names: string[]): boolean;
  /**
   * Throws a 403 GatewayError outside the key's model scope, a 429 past its tokens per minute; a promise
   * only when the counters have to be waited for (callers `await` it either way).
   */
  admitModel(call: ModelCall): void | Promise<void>;
  /** The usage the model reported, replacing the estimate in the tokens-per-minute count. */
  settle(usage: TokenUsage | undefined): void;
}

/** The policy when authentication is off or a key has neither scope nor limit. */
export function unrestrictedPolicy(keyName: string | undefined): RequestPolicy {
  return {
    keyName,
    allowsModel: () => true,
    admitModel() {},
    settle() {},
  };
}

const noKey = unrestrictedPolicy(undefined);

declare module "fastify" {
  interface FastifyRequest {
    /** The name of the key that authenticated this request (never the key or its digest), for the log line. */
    keyName: string | null;
    keyPolicy: RequestPolicy | null;
  }
}

/** The policy of a request, set by the authentication hook (src/auth/hook.ts). */
export function policyOf(request: FastifyRequest): RequestPolicy {
  return request.keyPolicy ?? noKey;
}
