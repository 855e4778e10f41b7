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
import type { BedrockRuntime } from "./transport.js";

/**
 * Keep-alive HTTP/1.1 instead of the SDK's default HTTP/2 handler, which opens a new connection
 * (and against real Bedrock a new TLS handshake) for every call.
 */
export function keepAliveHandler(): NodeHttpHandler {
  const agentOptions = { keepAlive: true, maxSockets: 512, keepAliveMsecs: 15_000 };
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: 5_000,
  });
}

export interface RuntimeOptions {
  region: string;
  maxAttempts: number;
}

export function createSdkClient(options: RuntimeOptions): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: options.region,
    maxAttempts: options.maxAttempts,
    requestHandler: keepAliveHandler(),
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
    converse: (input, signal) => client.send(new ConverseCommand(input), { abortSignal: signal }),
    async converseStream(input, signal) {
      const output = await client.send(new ConverseStreamCommand(input), { abortSignal: signal });
      if (!output.stream) throw new Error("Bedrock returned no stream");
      return output.stream;
    },
    async invokeModel(request, signal) {
      const output = await client.send(
        new InvokeModelCommand({
          modelId: request.modelId,
          body: request.body,
          contentType: request.contentType ?? "application/json",
          accept: request.accept ?? "application/json",
        }),
        { abortSignal: signal },
      );
      return { body: output.body, contentType: output.contentType };
    },
    countTokens: (input, signal) => client.send(new CountTokensCommand(input), { abortSignal: signal }),
    destroy: () => client.destroy(),
  };
}
