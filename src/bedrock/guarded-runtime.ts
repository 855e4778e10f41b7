import type { Config } from "../config/index.js";
import type { GatewayError } from "../errors.js";
import { type AdmittedRuntime, admitCalls } from "./admission.js";
import type { BedrockRuntime } from "./transport.js";
import { watchCalls } from "./watched-runtime.js";

export interface GuardedRuntime extends BedrockRuntime {
  /** Ends every Bedrock call in flight or waiting with `reason` (the shutdown drain's deadline). */
  interrupt(reason: GatewayError): number;
  load: AdmittedRuntime["load"];
}

type Limits = Pick<
  Config,
  "AI_RESPONSE_TIMEOUT" | "BEDROCK_MAX_CONCURRENT_CALLS" | "BEDROCK_QUEUE_LIMIT" | "BEDROCK_QUEUE_TIMEOUT"
>;

/**
 * The transport behind the gateway's bounds: admission first (the time a call waits for a slot is not
 * Bedrock's silence), then AI_RESPONSE_TIMEOUT on the call itself.
 */
export function guardRuntime(transport: BedrockRuntime, config: Limits): GuardedRuntime {
  const watched = watchCalls(transport, config.AI_RESPONSE_TIMEOUT);
  const admitted = admitCalls(watched, {
    limit: config.BEDROCK_MAX_CONCURRENT_CALLS,
    queueLimit: config.BEDROCK_QUEUE_LIMIT,
    queueTimeoutMs: config.BEDROCK_QUEUE_TIMEOUT,
  });
  return {
    converse: admitted.converse,
    converseStream: admitted.converseStream,
    invokeModel: admitted.invokeModel,
    countTokens: admitted.countTokens,
    load: admitted.load,
    interrupt(reason) {
      admitted.refuseWaiting(reason);
      return watched.interrupt(reason);
    },
  };
}
