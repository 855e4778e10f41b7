import type { FastifyRequest } from "fastify";
import type { BedrockCall } from "./call.js";
import type { GuardrailAssessmentSummary } from "./guardrail-trace.js";

/** Guardrail trace summaries of a request's Bedrock calls, until its log line is written. */
const assessments = new WeakMap<FastifyRequest, GuardrailAssessmentSummary>();

/**
 * What a route tells the Bedrock runtime about the request it serves. Today: where a guardrail trace
 * summary goes (the request's log line). A per-key guardrail, when keys carry one, is set here too.
 */
export function bedrockCallFor(request: FastifyRequest): BedrockCall {
  return {
    onGuardrailAssessment(summary) {
      const earlier = assessments.get(request);
      assessments.set(
        request,
        earlier
          ? { input: [...earlier.input, ...summary.input], output: [...earlier.output, ...summary.output] }
          : summary,
      );
    },
  };
}

/** The `guardrail` field of the request's log line, when a guardrail trace was summarised. */
export function guardrailLogFields(request: FastifyRequest): { guardrail?: GuardrailAssessmentSummary } {
  const summary = assessments.get(request);
  return summary ? { guardrail: summary } : {};
}
