import { performance } from "node:perf_hooks";
import type { TokenUsage } from "@aws-sdk/client-bedrock-runtime";
import type { Span } from "@opentelemetry/api";
import type { GuardrailRef } from "../bedrock/call.js";
import type { GuardrailAssessmentSummary } from "../bedrock/guardrail-trace.js";
import { routeNameOf as routeFamilyOf } from "../limits/route-names.js";

/** The routes as the access log, the metrics and the traces name them: a small, fixed set of labels. */
export type RouteName =
  | "chat"
  | "embeddings"
  | "models"
  | "messages"
  | "count_tokens"
  | "responses"
  | "health"
  | "other";

/** The route name of a Fastify route pattern (prefixes included), or "other" for unmatched requests. */
export function routeNameOf(pattern: string | undefined): RouteName {
  if (pattern === undefined) return "other";
  if (pattern.endsWith("/health")) return "health";
  return routeFamilyOf(pattern) ?? "other";
}

export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * What one request did, filled in as it goes by the edge, the route and the Bedrock calls, and read once
 * when it ends by the access log line, the metrics and the trace. Never holds a key or message content.
 */
export class Exchange {
  readonly startedAt = performance.now();
  route: RouteName = "other";
  dialect: "openai" | "anthropic" = "openai";
  /** The Bedrock model id the last call was made with (after aliases and name resolution). */
  modelSent: string | undefined;
  stream = false;
  tokens: TokenCounts | undefined;
  ttftMs: number | undefined;
  /** Time spent waiting on Bedrock, all calls of the request together. */
  bedrockMs = 0;
  bedrockCalls = 0;
  /** The exception name of the last failed Bedrock call, e.g. ThrottlingException. */
  bedrockError: string | undefined;
  region: string | undefined;
  attempts: number | undefined;
  finishReason: string | undefined;
  /** The error code the client was answered with (also for a stream that failed after it started). */
  errorCode: string | undefined;
  /** The name of the API key that was accepted, when keys have names. Never the key. */
  keyName: string | undefined;
  bytesOut: number | undefined;
  /** The request's span, when tracing is on. */
  span: Span | undefined;
  /**
   * A guardrail that replaces the deployment's for this request (a key's own). It can only replace, never
   * remove: with a deployment guardrail there is no way to run with none.
   */
  guardrail: GuardrailRef | undefined;
  /** What Bedrock's guardrail trace said (policies, categories, actions; never content), when the trace is on. */
  guardrailAssessment: GuardrailAssessmentSummary | undefined;

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  addGuardrailAssessment(summary: GuardrailAssessmentSummary): void {
    const earlier = this.guardrailAssessment;
    this.guardrailAssessment = earlier
      ? { input: [...earlier.input, ...summary.input], output: [...earlier.output, ...summary.output] }
      : summary;
  }

  /** Adds what Bedrock reported for one call (several calls for embeddings). */
  addUsage(usage: TokenUsage | undefined): void {
    if (!usage) return;
    this.tokens ??= { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    const tokens = this.tokens;
    tokens.input += usage.inputTokens ?? 0;
    tokens.output += usage.outputTokens ?? 0;
    tokens.cacheRead += usage.cacheReadInputTokens ?? 0;
    tokens.cacheWrite += usage.cacheWriteInputTokens ?? 0;
  }
}
