import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { checkModelName } from "../models/model-name.js";
import { type BedrockRuntime, observeEvents } from "./transport.js";

/**
 * Keep-alive HTTP/1.1 instead of the SDK's default HTTP/2 handler, which opens a new connection
 * (and against real Bedrock a new TLS handshake) for every call.
 */
export function keepAliveHandler(
  limits: { connections?: number; connectTimeoutMs?: number } = {},
): NodeHttpHandler {
  const agentOptions = { keepAlive: true, maxSockets: limits.connections ?? 512, keepAliveMsecs: 15_000 };
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: limits.connectTimeoutMs ?? 5_000,
  });
}

/**
 * InvokeModel reports token usage only in the `x-amzn-bedrock-input-token-count` response header, which
 * the SDK's output drops; a middleware on this one command reads it. Returns a getter for after send().
 */
function captureInputTokenCount(command: InvokeModelCommand): () => number | undefined {
  let count: number | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string | undefined> }).headers ?? {};
      const value = Number(headers["x-amzn-bedrock-input-token-count"]);
      count = Number.isSafeInteger(value) && value >= 0 ? value : undefined;
      return result;
    },
    { step: "deserialize", name: "aegisInputTokenCount" },
  );
  return () => count;
}

export interface RuntimeOptions {
  region: string;
  maxAttempts: number;
  /** Connections to Bedrock at once (BEDROCK_MAX_CONCURRENT_CALLS); default 512. */
  connections?: number;
  /** BEDROCK_CONNECT_TIMEOUT; default 5 s. AI_RESPONSE_TIMEOUT is enforced above the transport (watched-runtime.ts). */
  connectTimeoutMs?: number;
}

export function createSdkClient(options: RuntimeOptions): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: options.region,
    maxAttempts: options.maxAttempts,
    requestHandler: keepAliveHandler(options),
  });
}

/** The stock SDK client behind the transport interface (BEDROCK_TRANSPORT=sdk, and the lean transport's cold calls). */
export function createSdkRuntime(
  options: RuntimeOptions,
  client = createSdkClient(options),
): BedrockRuntime & {
  destroy(): void;
} {
  return {
    // The SDK percent-encodes the model id into the path and throws a bare URIError on an unpaired
    // surrogate; checkModelName turns that into the 400 it is, before the command is built.
    async converse(input, signal) {
      checkModelName(input.modelId ?? "");
      return client.send(new ConverseCommand(input), { abortSignal: signal });
    },
    async converseStream(input, signal, _exchange, observer) {
      checkModelName(input.modelId ?? "");
      const output = await client.send(new ConverseStreamCommand(input), { abortSignal: signal });
      if (!output.stream) throw new Error("Bedrock returned no stream");
      return observer ? observeEvents(output.stream, observer) : output.stream;
    },
    async invokeModel(request, signal) {
      checkModelName(request.modelId);
      const command = new InvokeModelCommand({
        modelId: request.modelId,
        body: request.body,
        contentType: request.contentType ?? "application/json",
        accept: request.accept ?? "application/json",
      });
      const tokens = captureInputTokenCount(command);
      const output = await client.send(command, { abortSignal: signal });
      const inputTokenCount = tokens();
      return {
        body: output.body,
        contentType: output.contentType,
        ...(inputTokenCount === undefined ? {} : { inputTokenCount }),
      };
    },
    async countTokens(input, signal) {
      checkModelName(input.modelId ?? "");
      return client.send(new CountTokensCommand(input), { abortSignal: signal });
    },
    destroy: () => client.destroy(),
  };
}
