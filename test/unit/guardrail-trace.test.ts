import type { GuardrailTraceAssessment } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { summariseGuardrailTrace } from "../../src/bedrock/guardrail-trace.js";

/** A trace with every policy Bedrock documents, each carrying text that must never be logged ("SECRET-…"). */
const trace: GuardrailTraceAssessment = {
  modelOutput: ['{"text":"SECRET-model-output"}'],
  actionReason: "Guardrail blocked. SECRET-reason",
  inputAssessment: {
    abc123: {
      contentPolicy: {
        filters: [
          {
            type: "PROMPT_ATTACK",
            confidence: "HIGH",
            filterStrength: "HIGH",
            action: "BLOCKED",
            detected: true,
          },
          { type: "HATE", confidence: "NONE", filterStrength: "MEDIUM", action: "NONE", detected: false },
        ],
      },
      topicPolicy: {
        topics: [{ name: "Investment advice", type: "DENY", action: "BLOCKED", detected: true }],
      },
      wordPolicy: {
        customWords: [{ match: "SECRET-word", action: "BLOCKED", detected: true }],
        managedWordLists: [
          { match: "SECRET-profanity", type: "PROFANITY", action: "BLOCKED", detected: true },
        ],
      },
      invocationMetrics: { guardrailProcessingLatency: 12 },
    },
  },
  outputAssessments: {
    abc123: [
      {
        sensitiveInformationPolicy: {
          piiEntities: [{ match: "SECRET@example.com", type: "EMAIL", action: "ANONYMIZED", detected: true }],
          regexes: [
            {
              name: "employee-id",
              match: "SECRET-E1234",
              regex: "E\\d{4}",
              action: "BLOCKED",
              detected: true,
            },
          ],
        },
        contextualGroundingPolicy: {
          filters: [{ type: "GROUNDING", threshold: 0.7, score: 0.2, action: "BLOCKED", detected: true }],
        },
        automatedReasoningPolicy: { findings: [{ invalid: {} } as never] },
      },
    ],
  },
};

describe("guardrail trace summary", () => {
  it("keeps policy, category, operator-given names and action of every finding", () => {
    expect(summariseGuardrailTrace(trace)).toEqual({
      input: [
        { policy: "content", type: "PROMPT_ATTACK", action: "BLOCKED", detected: true },
        { policy: "content", type: "HATE", action: "NONE", detected: false },
        { policy: "topic", name: "Investment advice", action: "BLOCKED", detected: true },
        { policy: "word", type: "CUSTOM", action: "BLOCKED", detected: true },
        { policy: "word", type: "PROFANITY", action: "BLOCKED", detected: true },
      ],
      output: [
        { policy: "sensitiveInformation", type: "EMAIL", action: "ANONYMIZED", detected: true },
        {
          policy: "sensitiveInformation",
          type: "REGEX",
          name: "employee-id",
          action: "BLOCKED",
          detected: true,
        },
        { policy: "contextualGrounding", type: "GROUNDING", action: "BLOCKED", detected: true },
        { policy: "automatedReasoning", type: "invalid" },
      ],
    });
  });

  it("never carries matched text, the model's output or the reason text", () => {
    expect(JSON.stringify(summariseGuardrailTrace(trace))).not.toContain("SECRET");
  });

  it("is bounded however long the trace", () => {
    const filters = Array.from({ length: 500 }, () => ({
      type: "HATE" as const,
      confidence: "NONE" as const,
      action: "NONE" as const,
    }));
    const long = summariseGuardrailTrace({ inputAssessment: { a: { contentPolicy: { filters } } } });
    expect(long.input).toHaveLength(50);
  });
});
