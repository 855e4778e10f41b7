import {
  getFoundationModel,
  getInferenceProfile,
  listFoundationModels,
  listInferenceProfiles,
} from "./bedrock-control.js";
import { converse } from "./converse/converse.js";
import { converseStream } from "./converse/stream.js";
import { countTokensOperation } from "./count-tokens.js";
import { EmulatedError, type Service } from "./exceptions.js";
import type { Handler } from "./exchange.js";
import { invokeModel } from "./invoke/invoke.js";
import { getSecretValue } from "./secrets.js";
import { getParameter } from "./ssm.js";

/**
 * One server answers four services, told apart the way AWS's wire protocols allow: Bedrock and
 * Bedrock Runtime (restJson1) by method and path, SSM and Secrets Manager (awsJson1_1, always
 * `POST /`) by the `X-Amz-Target` header.
 */

export type Protocol = "restJson1" | "awsJson1_1";

export interface Route {
  service: Service;
  operation: string;
  protocol: Protocol;
  /** The service name clients must sign with (Bedrock Runtime signs as "bedrock"). */
  signingName: string;
  /** Decoded `{modelId}` / resource identifier path segment, if the operation has one. */
  modelId?: string;
  handler: Handler;
}

const unknownOperation: Handler = async (exchange) => {
  const { service, operation } = exchange.record;
  const status = service === "ssm" || service === "secretsmanager" ? 400 : 404;
  throw new EmulatedError(
    "UnknownOperationException",
    `The emulator does not implement ${service} ${operation}.`,
    status,
  );
};

const RUNTIME_OPERATIONS: Record<string, { operation: string; handler: Handler }> = {
  converse: { operation: "Converse", handler: converse },
  "converse-stream": { operation: "ConverseStream", handler: converseStream },
  invoke: { operation: "InvokeModel", handler: invokeModel },
  "count-tokens": { operation: "CountTokens", handler: countTokensOperation },
  "invoke-with-response-stream": { operation: "InvokeModelWithResponseStream", handler: unknownOperation },
};

const REST_ROUTES: ReadonlyArray<{
  method: string;
  pattern: RegExp;
  service: Service;
  operation: string;
  handler: Handler;
}> = [
  {
    method: "GET",
    pattern: /^\/foundation-models$/,
    service: "bedrock",
    operation: "ListFoundationModels",
    handler: listFoundationModels,
  },
  {
    method: "GET",
    pattern: /^\/foundation-models\/([^/]+)$/,
    service: "bedrock",
    operation: "GetFoundationModel",
    handler: getFoundationModel,
  },
  {
    method: "GET",
    pattern: /^\/inference-profiles$/,
    service: "bedrock",
    operation: "ListInferenceProfiles",
    handler: listInferenceProfiles,
  },
  {
    method: "GET",
    pattern: /^\/inference-profiles\/([^/]+)$/,
    service: "bedrock",
    operation: "GetInferenceProfile",
    handler: getInferenceProfile,
  },
];

const JSON_SERVICES: Record<
  string,
  { service: Service; signingName: string; handlers: Record<string, Handler> }
> = {
  AmazonSSM: { service: "ssm", signingName: "ssm", handlers: { GetParameter: getParameter } },
  secretsmanager: {
    service: "secretsmanager",
    signingName: "secretsmanager",
    handlers: { GetSecretValue: getSecretValue },
  },
};

/** Path segments arrive percent-encoded; the recorded id is what the caller actually named. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function matchRoute(method: string, rawPath: string, target: string | undefined): Route | undefined {
  if (method === "POST" && rawPath === "/" && target) {
    const dot = target.indexOf(".");
    const spec = JSON_SERVICES[target.slice(0, dot)];
    if (!spec || dot < 0) return undefined;
    const operation = target.slice(dot + 1);
    return {
      service: spec.service,
      operation,
      protocol: "awsJson1_1",
      signingName: spec.signingName,
      handler: spec.handlers[operation] ?? unknownOperation,
    };
  }
  const runtime = /^\/model\/([^/]+)\/([a-z-]+)$/.exec(rawPath);
  if (runtime) {
    const op = RUNTIME_OPERATIONS[runtime[2] ?? ""];
    return {
      service: "bedrock-runtime",
      operation: op?.operation ?? "UnknownOperation",
      protocol: "restJson1",
      signingName: "bedrock",
      modelId: decodeSegment(runtime[1] ?? ""),
      handler: method === "POST" && op ? op.handler : unknownOperation,
    };
  }
  for (const route of REST_ROUTES) {
    const m = route.pattern.exec(rawPath);
    if (m && route.method === method) {
      return {
        service: route.service,
        operation: route.operation,
        protocol: "restJson1",
        signingName: "bedrock",
        ...(m[1] !== undefined ? { modelId: decodeSegment(m[1]) } : {}),
        handler: route.handler,
      };
    }
  }
  return undefined;
}
