import type {
  GuardrailConfiguration,
  GuardrailStreamConfiguration,
  GuardrailTraceAssessment,
} from "@aws-sdk/client-bedrock-runtime";
import type { DocumentType } from "@smithy/types";
import type { Exchange } from "../observability/exchange.js";
import type { GuardrailRef } from "./call.js";
import { summariseGuardrailTrace } from "./guardrail-trace.js";
import type { BedrockRuntime, StreamObserver } from "./transport.js";

export interface GuardrailPolicy {
  /** The deployment's guardrail; undefined when only calls that name one (per key) get one. */
  guardrail: GuardrailRef | undefined;
  trace: "disabled" | "enabled" | "enabled_full";
  streamMode: "sync" | "async";
}

/** The guardrail settings of the configuration (the loader has checked they are both set or neither). */
export function guardrailPolicyOf(config: {
  AWS_BEDROCK_GUARDRAIL_IDENTIFIER: string | undefined;
  AWS_BEDROCK_GUARDRAIL_VERSION: string | undefined;
  AWS_BEDROCK_GUARDRAIL_TRACE: GuardrailPolicy["trace"];
  AWS_BEDROCK_GUARDRAIL_STREAM_MODE: GuardrailPolicy["streamMode"];
}): GuardrailPolicy {
  const identifier = config.AWS_BEDROCK_GUARDRAIL_IDENTIFIER;
  const version = config.AWS_BEDROCK_GUARDRAIL_VERSION;
  return {
    guardrail: identifier !== undefined && version !== undefined ? { identifier, version } : undefined,
    trace: config.AWS_BEDROCK_GUARDRAIL_TRACE,
    streamMode: config.AWS_BEDROCK_GUARDRAIL_STREAM_MODE,
  };
}

/**
 * Model fields that could reach Bedrock's own guardrail handling: a client's unknown body fields travel as
 * `additionalModelRequestFields`, and InvokeModel bodies read `amazon-bedrock-guardrailConfig`. None may
 * stand beside the operator's guardrail.
 */
const looksLikeGuardrailField = (key: string) => key.toLowerCase().includes("guardrail");

function withoutGuardrailFields(fields: DocumentType | undefined): DocumentType | undefined {
  if (fields === null || typeof fields !== "object" || Array.isArray(fields)) return fields;
  const entries = Object.entries(fields as Record<string, DocumentType>);
  if (!entries.some(([key]) => looksLikeGuardrailField(key))) return fields;
  return Object.fromEntries(entries.filter(([key]) => !looksLikeGuardrailField(key)));
}

/** The input with the operator's guardrail set over whatever it carried. */
function guarded<Input extends { additionalModelRequestFields?: DocumentType | undefined }, Config>(
  input: Input,
  guardrailConfig: Config,
): Input & { guardrailConfig: Config } {
  const fields = input.additionalModelRequestFields;
  const cleaned = withoutGuardrailFields(fields);
  return cleaned === fields
    ? { ...input, guardrailConfig }
    : { ...input, additionalModelRequestFields: cleaned, guardrailConfig };
}

function reportTrace(trace: GuardrailTraceAssessment | undefined, exchange: Exchange | undefined): void {
  if (trace && exchange) exchange.addGuardrailAssessment(summariseGuardrailTrace(trace));
}

/**
 * The stream's observer, also reporting the trace that ends the stream (in its metadata event). An observer
 * rather than a wrapping iterator: a wrapper would cost a promise per event and hide the events already in
 * hand (`nextBuffered`) from the SSE writer.
 */
function reportingTrace(observer: StreamObserver | undefined, exchange: Exchange): StreamObserver {
  return {
    event(event) {
      observer?.event(event);
      reportTrace(event.metadata?.trace?.guardrail, exchange);
    },
    end(error) {
      observer?.end(error);
    },
  };
}

/**
 * Applies the operator's guardrail to every Converse and ConverseStream call, whatever the route: the
 * guardrail configuration is set last, over anything the translated request carried, so no request field,
 * header or model alias can change or remove it. A request may name a different guardrail (`exchange.guardrail`,
 * for per-key guardrails), which replaces the deployment's; nothing removes it. A call without either
 * passes unchanged. InvokeModel (embeddings) and CountTokens pass through: no guardrail is sent there.
 */
export function withGuardrail(runtime: BedrockRuntime, policy: GuardrailPolicy): BedrockRuntime {
  const traced = policy.trace !== "disabled";
  const configFor = (exchange: Exchange | undefined): GuardrailConfiguration | undefined => {
    const chosen = exchange?.guardrail ?? policy.guardrail;
    if (!chosen) return undefined;
    return { guardrailIdentifier: chosen.identifier, guardrailVersion: chosen.version, trace: policy.trace };
  };
  return {
    async converse(input, signal, exchange) {
      const guardrailConfig = configFor(exchange);
      if (!guardrailConfig) return runtime.converse(input, signal, exchange);
      const output = await runtime.converse(guarded(input, guardrailConfig), signal, exchange);
      if (traced) reportTrace(output.trace?.guardrail, exchange);
      return output;
    },
    async converseStream(input, signal, exchange, observer) {
      const config = configFor(exchange);
      if (!config) return runtime.converseStream(input, signal, exchange, observer);
      const guardrailConfig: GuardrailStreamConfiguration = {
        ...config,
        streamProcessingMode: policy.streamMode,
      };
      // Without a trace there is nothing to read, so the observer is not wrapped at all.
      return runtime.converseStream(
        guarded(input, guardrailConfig),
        signal,
        exchange,
        traced && exchange ? reportingTrace(observer, exchange) : observer,
      );
    },
    invokeModel: (request, signal, exchange) => runtime.invokeModel(request, signal, exchange),
    countTokens: (input, signal, exchange) => runtime.countTokens(input, signal, exchange),
  };
}
