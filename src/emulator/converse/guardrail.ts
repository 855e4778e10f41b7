import { EMULATOR_ACCOUNT_ID } from "../catalogue.js";
import { EmulatedError } from "../exceptions.js";
import type { ConverseCall, Reply, ReplyBlock } from "./reply.js";

/**
 * Bedrock Guardrails on Converse and ConverseStream, with one test guardrail (documented in the README):
 * a denied topic that blocks inputs naming the marker phrase, a custom word that blocks outputs, and
 * e-mail addresses masked in outputs. The request shapes, stop reason and trace follow the Bedrock API
 * reference (GuardrailConfiguration, GuardrailStreamConfiguration, GuardrailTraceAssessment).
 */

export const TEST_GUARDRAIL = {
  id: "aegistestguardrail",
  versions: ["DRAFT", "1"],
  /** Inputs naming it (any case) are blocked by the denied topic below. */
  inputMarker: "forbidden fruit",
  topicName: "Forbidden fruit",
  /** Outputs containing this word (any case) are blocked: a custom word checked on outputs only. */
  outputMarker: "kumquat",
  blockedInputMessage: "Sorry, this gateway's guardrail does not allow that request.",
  blockedOutputMessage: "Sorry, this gateway's guardrail stopped that answer.",
} as const;

export type GuardrailTraceMode = "enabled" | "disabled" | "enabled_full";

export interface GuardrailRequest {
  /** The guardrail id, also the key of its assessments in the trace. */
  id: string;
  trace: GuardrailTraceMode;
  /** ConverseStream only; Converse has no such member. */
  streamMode: "sync" | "async";
}

const idPattern = "(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))";
const versionPattern = "(([1-9][0-9]{0,7})|(DRAFT))";
const emailPattern = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

const invalid = (message: string) => new EmulatedError("ValidationException", message, 400);

function patternViolation(value: unknown, member: string, pattern: string): EmulatedError {
  return invalid(
    `1 validation error detected: Value '${String(value)}' at 'guardrailConfig.${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`,
  );
}

/**
 * The request's guardrail, or undefined without one. Rejects what Bedrock rejects: members outside the
 * operation's configuration, values outside the documented patterns, a guardrail that does not exist, and
 * (AccessDeniedException, as IAM answers) a guardrail ARN of another account.
 */
export function readGuardrailRequest(body: unknown, streaming: boolean): GuardrailRequest | undefined {
  const config = (body as { guardrailConfig?: unknown } | undefined)?.guardrailConfig;
  if (config === undefined) return undefined;
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw invalid("Malformed input request: guardrailConfig must be an object.");
  const members = config as Record<string, unknown>;
  const allowed = [
    "guardrailIdentifier",
    "guardrailVersion",
    "trace",
    ...(streaming ? ["streamProcessingMode"] : []),
  ];
  const unknown = Object.keys(members).find((key) => !allowed.includes(key));
  if (unknown)
    throw invalid(
      `Malformed input request: extraneous key [${unknown}] is not permitted in guardrailConfig.`,
    );
  const { guardrailIdentifier: identifier, guardrailVersion: version } = members;
  if (typeof identifier !== "string" || !new RegExp(`^${idPattern}$`).test(identifier))
    throw patternViolation(identifier, "guardrailIdentifier", idPattern);
  if (typeof version !== "string" || !new RegExp(`^${versionPattern}$`).test(version))
    throw patternViolation(version, "guardrailVersion", versionPattern);
  const trace = members.trace ?? "disabled";
  if (trace !== "enabled" && trace !== "disabled" && trace !== "enabled_full")
    throw invalid(
      `1 validation error detected: Value '${String(trace)}' at 'guardrailConfig.trace' failed to satisfy constraint: Member must satisfy enum value set: [enabled, disabled, enabled_full]`,
    );
  const streamMode = members.streamProcessingMode ?? "sync";
  if (streamMode !== "sync" && streamMode !== "async")
    throw invalid(
      `1 validation error detected: Value '${String(streamMode)}' at 'guardrailConfig.streamProcessingMode' failed to satisfy constraint: Member must satisfy enum value set: [sync, async]`,
    );

  const arn = /^arn:[^:]+:bedrock:[^:]+:(\d{12}):guardrail\/(.+)$/.exec(identifier);
  if (arn && arn[1] !== EMULATOR_ACCOUNT_ID) {
    throw new EmulatedError(
      "AccessDeniedException",
      `User: arn:aws:sts::${EMULATOR_ACCOUNT_ID}:assumed-role/emulator/session is not authorized to perform: bedrock:ApplyGuardrail on resource: ${identifier} because no resource-based policy allows the bedrock:ApplyGuardrail action`,
      403,
    );
  }
  const id = arn ? (arn[2] as string) : identifier;
  if (id !== TEST_GUARDRAIL.id || !(TEST_GUARDRAIL.versions as readonly string[]).includes(version))
    throw invalid("The guardrail identifier or version provided in the request does not exist.");
  return { id, trace, streamMode };
}

type Assessment = Record<string, unknown>;

function metrics(characters: number): Assessment {
  return {
    invocationMetrics: {
      guardrailProcessingLatency: 1,
      usage: {
        topicPolicyUnits: 1,
        contentPolicyUnits: 0,
        wordPolicyUnits: 1,
        sensitiveInformationPolicyUnits: 1,
        sensitiveInformationPolicyFreeUnits: 0,
        contextualGroundingPolicyUnits: 0,
      },
      guardrailCoverage: { textCharacters: { guarded: characters, total: characters } },
    },
  };
}

const topicAssessment = (detected: boolean) => ({
  topicPolicy: {
    topics: [
      { name: TEST_GUARDRAIL.topicName, type: "DENY", action: detected ? "BLOCKED" : "NONE", detected },
    ],
  },
});

function inputText(call: ConverseCall): string {
  return call.request.messages
    .flatMap((message) =>
      message.content.flatMap((block) => (typeof block.text === "string" ? [block.text] : [])),
    )
    .join("\n");
}

const textOf = (reply: Reply) =>
  reply.blocks.flatMap((block) => (block.kind === "text" ? [block.text] : [])).join("");

/** The trace Bedrock returns: assessments keyed by guardrail id; the raw model output when it intervened. */
function traceOf(
  guardrail: GuardrailRequest,
  input: Assessment,
  output: Assessment | undefined,
  extra: { modelOutput?: string[]; actionReason?: string } = {},
): Record<string, unknown> | undefined {
  if (guardrail.trace === "disabled") return undefined;
  return {
    guardrail: {
      ...(extra.modelOutput ? { modelOutput: extra.modelOutput } : {}),
      inputAssessment: { [guardrail.id]: input },
      ...(output ? { outputAssessments: { [guardrail.id]: [output] } } : {}),
      ...(extra.actionReason ? { actionReason: extra.actionReason } : {}),
    },
  };
}

const intervened = (
  reply: Reply,
  blocks: ReplyBlock[],
  trace: Record<string, unknown> | undefined,
): Reply => ({
  ...reply,
  blocks,
  stopReason: "guardrail_intervened",
  ...(trace ? { trace } : {}),
});

/**
 * The answer under the guardrail. Inputs naming the marker are blocked before the model runs (no tokens
 * used). Outputs with the blocked word are replaced by the blocked message; in an async stream the text
 * has already gone out, so the message follows it. E-mail addresses are masked as {EMAIL}, except in async
 * streams, where Bedrock does not mask.
 */
export function guardedReply(call: ConverseCall, guardrail: GuardrailRequest, plan: () => Reply): Reply {
  const full = guardrail.trace === "enabled_full";
  const prompt = inputText(call);
  if (prompt.toLowerCase().includes(TEST_GUARDRAIL.inputMarker)) {
    const trace = traceOf(guardrail, { ...topicAssessment(true), ...metrics(prompt.length) }, undefined, {
      actionReason: "Guardrail blocked.",
    });
    return {
      blocks: [{ kind: "text", text: TEST_GUARDRAIL.blockedInputMessage }],
      stopReason: "guardrail_intervened",
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      ...(trace ? { trace } : {}),
    };
  }
  const inputAssessment = { ...(full ? topicAssessment(false) : {}), ...metrics(prompt.length) };
  const reply = plan();
  const text = textOf(reply);
  const async = guardrail.streamMode === "async";

  const word = new RegExp(`\\b${TEST_GUARDRAIL.outputMarker}\\b`, "i").exec(text);
  if (word) {
    const wordPolicy = {
      customWords: [{ match: word[0], action: "BLOCKED", detected: true }],
      managedWordLists: [],
    };
    const trace = traceOf(
      guardrail,
      inputAssessment,
      { wordPolicy, ...metrics(text.length) },
      {
        modelOutput: [text],
        actionReason: "Guardrail blocked.",
      },
    );
    const message = TEST_GUARDRAIL.blockedOutputMessage;
    if (!async) return intervened(reply, [{ kind: "text", text: message }], trace);
    // Sent before the guardrail finished: everything up to the word, then the guardrail's message.
    const sent = text.slice(0, word.index + word[0].length);
    const pieces = [...(sent.match(/\S+\s*/g) ?? [sent]), ` ${message}`];
    return intervened(reply, [{ kind: "text", text: pieces.join(""), pieces }], trace);
  }

  const emails = async ? [] : (text.match(emailPattern) ?? []);
  if (emails.length > 0) {
    const piiEntities = emails.map((match) => ({
      match,
      type: "EMAIL",
      action: "ANONYMIZED",
      detected: true,
    }));
    const trace = traceOf(
      guardrail,
      inputAssessment,
      { sensitiveInformationPolicy: { piiEntities, regexes: [] }, ...metrics(text.length) },
      { modelOutput: [text], actionReason: "Guardrail masked." },
    );
    const blocks = reply.blocks.map((block) =>
      block.kind === "text" ? { ...block, text: block.text.replace(emailPattern, "{EMAIL}") } : block,
    );
    return intervened(reply, blocks, trace);
  }

  const trace = traceOf(guardrail, inputAssessment, {
    ...(full ? topicAssessment(false) : {}),
    ...metrics(text.length),
  });
  return trace ? { ...reply, trace } : reply;
}
