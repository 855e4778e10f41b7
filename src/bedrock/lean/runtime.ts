import type {
  BedrockRuntimeClient,
  ConverseCommandInput,
  ConverseCommandOutput,
  ConverseStreamCommandInput,
  ConverseStreamOutput,
} from "@aws-sdk/client-bedrock-runtime";
import { ConverseResponse$ } from "@aws-sdk/client-bedrock-runtime";
import { extendedEncodeURIComponent } from "@smithy/core/protocols";
import type { Dispatcher, Pool } from "undici";
import { checkModelName } from "../../models/model-name.js";
import { createSdkClient, createSdkRuntime, type RuntimeOptions } from "../sdk-runtime.js";
import type { BedrockRuntime, InvokeModelRequest, InvokeModelResult, StreamObserver } from "../transport.js";
import { type Authenticator, chooseAuthenticator } from "./auth.js";
import { blobPlan, blobReplacer, decodeBlobs, holdsBytes } from "./blobs.js";
import { type BedrockEndpoint, resolveEndpoint } from "./endpoint.js";
import { converseEvents } from "./event-stream.js";
import { responseMetadata, serviceException } from "./exceptions.js";
import { bedrockPool, flatHeaders } from "./pool.js";
import { bodyBytes, sentOnce } from "./request-body.js";
import { type Retrier, sdkRetrier } from "./retry.js";
import type { Hmac } from "./sigv4.js";

export interface LeanRuntimeOptions extends RuntimeOptions {
  /** The signer's HMAC-SHA-256; a test passes a counting one to see how often the signing key is derived. */
  hmac?: Hmac;
}

interface Connection {
  endpoint: BedrockEndpoint;
  pool: Pool;
  auth: Authenticator;
}

const converseResponsePlan = blobPlan(ConverseResponse$);

/** Names the caller in Bedrock's logs (CloudTrail); never signed, as the SDK never signs it either. */
const userAgent = "aegis-gateway (lean Bedrock transport)";

/**
 * The body of a Converse or ConverseStream call: every input member but the model id, which is in the path.
 * Made per attempt and turned into bytes once (signedRequest), so no frame waiting on Bedrock holds it.
 */
function converseBody(input: ConverseCommandInput | ConverseStreamCommandInput): string {
  const { modelId: _modelId, ...body } = input;
  return holdsBytes(body) ? JSON.stringify(body, blobReplacer) : JSON.stringify(body);
}

/**
 * Bodies from this size on are handed to undici to be written once (sentOnce); smaller ones go as the Buffer
 * itself, undici's plainest path, and what undici then keeps until the answer ends is small.
 */
const sentOnceFrom = 64 * 1024;

/**
 * One attempt's request, signed. Its body is serialised here, to one Buffer that is both hashed and sent; a
 * large one is handed to undici to be written once: no frame that then waits on Bedrock holds the bytes, so a
 * large prompt is in memory once (the parsed request) rather than three times for the length of the call.
 */
async function signedRequest(
  { endpoint, auth }: Connection,
  path: string,
  body: () => string | Uint8Array,
  headers: Record<string, string>,
): Promise<Dispatcher.RequestOptions> {
  const fullPath = endpoint.basePath + path;
  const bytes = bodyBytes(body());
  const signed = await auth.headersFor({
    method: "POST",
    path: fullPath,
    headers: { host: endpoint.host, ...headers },
    body: bytes,
  });
  signed["user-agent"] = userAgent;
  // Neither is signed, as before (undici wrote content-length itself for a Buffer).
  signed["content-length"] = String(bytes.byteLength);
  return {
    method: "POST",
    path: fullPath,
    headers: signed,
    body: bytes.byteLength >= sentOnceFrom ? sentOnce(bytes) : bytes,
  };
}

/** The model id is checked first: encoding an unpaired surrogate would throw a bare URIError (a 500). */
const modelPath = (modelId: string | undefined, action: string) =>
  `/model/${extendedEncodeURIComponent(checkModelName(modelId ?? ""))}/${action}`;

/**
 * The hot Bedrock Runtime calls (Converse, ConverseStream, InvokeModel) without the SDK's middleware stack:
 * the body serialised once, signed (sigv4.ts) with the stock client's credentials, sent on a keep-alive undici
 * pool to the endpoint the stock client resolves, answers parsed into the SDK's output shapes and errors
 * thrown as the SDK's own exception classes.
 * CountTokens, rare and cold, goes through the stock client, as do model listing, SSM and Secrets Manager.
 */
export function createLeanRuntime(options: LeanRuntimeOptions): BedrockRuntime & {
  destroy(): Promise<void>;
} {
  const client: BedrockRuntimeClient = createSdkClient(options);
  const cold = createSdkRuntime(options, client);
  const retry: Retrier = sdkRetrier(options.maxAttempts);
  let connection: Promise<Connection> | undefined;

  const connect = (): Promise<Connection> => {
    if (connection) return connection;
    const opening = (async () => {
      const endpoint = await resolveEndpoint(client);
      const auth = await chooseAuthenticator(client, options.hmac);
      return { endpoint, auth, pool: bedrockPool(endpoint.origin, options) };
    })();
    // A failed resolution (a bad endpoint URL, say) is not cached: the next call tries again.
    opening.catch(() => {
      if (connection === opening) connection = undefined;
    });
    connection = opening;
    return opening;
  };

  /**
   * One signed POST of the body `body` makes for it; resolves once the status and headers are in, rejects with
   * the SDK's exception on non-2xx.
   */
  async function post(
    path: string,
    body: () => string | Uint8Array,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Dispatcher.ResponseData> {
    const opened = await connect();
    const request = await signedRequest(opened, path, body, headers);
    request.signal = signal;
    const response = await opened.pool.request(request);
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const text = await response.body.text();
    throw serviceException(response.statusCode, flatHeaders(response.headers), text);
  }

  const jsonHeaders = { "content-type": "application/json" };

  return {
    async converse(input, signal) {
      const body = () => converseBody(input);
      const path = modelPath(input.modelId, "converse");
      return retry(async () => {
        const response = await post(path, body, jsonHeaders, signal);
        const output = decodeBlobs(
          (await response.body.json()) as ConverseCommandOutput,
          converseResponsePlan,
        );
        output.$metadata = responseMetadata(response.statusCode, flatHeaders(response.headers));
        return output;
      }, signal);
    },

    async converseStream(input, signal, _exchange, observer) {
      const body = () => converseBody(input);
      const path = modelPath(input.modelId, "converse-stream");
      const response = await retry(() => post(path, body, jsonHeaders, signal), signal);
      return streamOf(response, observer);
    },

    async invokeModel(request: InvokeModelRequest, signal?: AbortSignal): Promise<InvokeModelResult> {
      const requestHeaders = {
        "content-type": request.contentType ?? "application/json",
        accept: request.accept ?? "application/json",
      };
      const path = modelPath(request.modelId, "invoke");
      return retry(async () => {
        const response = await post(path, () => request.body, requestHeaders, signal);
        const bytes = new Uint8Array(await response.body.arrayBuffer());
        const headers = flatHeaders(response.headers);
        const inputTokenCount = Number(headers["x-amzn-bedrock-input-token-count"]);
        return {
          body: bytes,
          contentType: headers["content-type"],
          // The only token count some models report; the stock path reads the same header.
          ...(Number.isSafeInteger(inputTokenCount) && inputTokenCount >= 0 ? { inputTokenCount } : {}),
        };
      }, signal);
    },

    countTokens: (input, signal) => cold.countTokens(input, signal),

    async destroy() {
      cold.destroy();
      const open = connection;
      connection = undefined;
      if (open) await (await open.catch(() => undefined))?.pool.close();
    },
  };
}

/** The events of a ConverseStream answer; a consumer that stops early closes the connection it came on. */
function streamOf(
  response: Dispatcher.ResponseData,
  observer: StreamObserver | undefined,
): AsyncIterable<ConverseStreamOutput> {
  return converseEvents(response.body, () => response.body.destroy(), observer);
}
