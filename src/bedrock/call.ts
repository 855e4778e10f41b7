import type { GuardrailAssessmentSummary } from "./guardrail-trace.js";

/** A guardrail by identity: what Bedrock's guardrailConfig names. */
export interface GuardrailRef {
  identifier: string;
  version: string;
}

/**
 * What a route knows about one generative call that the transport does not: the request it serves.
 * Everything is optional, so a route that passes nothing still gets the deployment's guardrail.
 */
export interface BedrockCall {
  /**
   * A guardrail that replaces the deployment's for this call (the seam for per-key guardrails). It can only
   * replace, never remove: there is no value that means "none". Applied by the decorator of guardrail.ts,
   * which deps.ts composes when the deployment has a guardrail.
   */
  guardrail?: GuardrailRef | undefined;
  /** Receives the summary of Bedrock's guardrail trace (only when the trace is on), for the request's log line. */
  onGuardrailAssessment?: ((summary: GuardrailAssessmentSummary) => void) | undefined;
}
