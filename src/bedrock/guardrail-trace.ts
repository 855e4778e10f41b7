import type { GuardrailAssessment, GuardrailTraceAssessment } from "@aws-sdk/client-bedrock-runtime";

/** One policy finding, as logged: which policy, what it saw (a category, never the text) and what it did. */
export interface GuardrailFinding {
  policy:
    | "content"
    | "topic"
    | "word"
    | "sensitiveInformation"
    | "contextualGrounding"
    | "automatedReasoning";
  /** The category: a content filter type, PII entity type, managed word list, grounding filter or finding kind. */
  type?: string;
  /** Names the operator gave: a denied topic or a regex filter. */
  name?: string;
  action?: string;
  detected?: boolean;
}

export interface GuardrailAssessmentSummary {
  input: GuardrailFinding[];
  output: GuardrailFinding[];
}

/** A trace can list many findings (enabled_full lists every filter); the log line keeps this many per side. */
const maxFindings = 50;

function finding(
  policy: GuardrailFinding["policy"],
  fields: {
    type?: string | undefined;
    name?: string | undefined;
    action?: string | undefined;
    detected?: boolean | undefined;
  },
): GuardrailFinding {
  const result: GuardrailFinding = { policy };
  if (fields.type !== undefined) result.type = fields.type;
  if (fields.name !== undefined) result.name = fields.name;
  if (fields.action !== undefined) result.action = fields.action;
  if (fields.detected !== undefined) result.detected = fields.detected;
  return result;
}

/**
 * The findings of one assessment. Deliberately field by field: Bedrock's trace also carries what matched
 * (`match` of words, PII and regexes), the model's raw output and grounding scores over the text, and none
 * of that may reach a log.
 */
function findingsOf(assessment: GuardrailAssessment): GuardrailFinding[] {
  const found: GuardrailFinding[] = [];
  for (const filter of assessment.contentPolicy?.filters ?? []) found.push(finding("content", filter));
  for (const topic of assessment.topicPolicy?.topics ?? [])
    found.push(finding("topic", { name: topic.name, action: topic.action, detected: topic.detected }));
  for (const word of assessment.wordPolicy?.customWords ?? [])
    found.push(finding("word", { type: "CUSTOM", action: word.action, detected: word.detected }));
  for (const list of assessment.wordPolicy?.managedWordLists ?? [])
    found.push(finding("word", { type: list.type, action: list.action, detected: list.detected }));
  const sensitive = assessment.sensitiveInformationPolicy;
  for (const entity of sensitive?.piiEntities ?? [])
    found.push(
      finding("sensitiveInformation", {
        type: entity.type,
        action: entity.action,
        detected: entity.detected,
      }),
    );
  for (const regex of sensitive?.regexes ?? [])
    found.push(
      finding("sensitiveInformation", {
        type: "REGEX",
        name: regex.name,
        action: regex.action,
        detected: regex.detected,
      }),
    );
  for (const filter of assessment.contextualGroundingPolicy?.filters ?? [])
    found.push(
      finding("contextualGrounding", { type: filter.type, action: filter.action, detected: filter.detected }),
    );
  for (const result of assessment.automatedReasoningPolicy?.findings ?? []) {
    // A finding is a union; its one key (valid, invalid, satisfiable, …) is its kind.
    const kind = Object.keys(result ?? {}).find((key) => key !== "$unknown");
    found.push(finding("automatedReasoning", { type: kind }));
  }
  return found;
}

/** What the request log line carries of a guardrail trace: policies, categories and actions, never content. */
export function summariseGuardrailTrace(trace: GuardrailTraceAssessment): GuardrailAssessmentSummary {
  const input = Object.values(trace.inputAssessment ?? {}).flatMap(findingsOf);
  const output = Object.values(trace.outputAssessments ?? {}).flatMap((list) => list.flatMap(findingsOf));
  return { input: input.slice(0, maxFindings), output: output.slice(0, maxFindings) };
}
