import { GatewayError } from "../../errors.js";
import type { Exchange } from "../../observability/exchange.js";
import type { BedrockRuntime } from "../transport.js";
import { RegionBackoff } from "./backoff.js";
import { regionalFailure } from "./failure-kind.js";
import type { ProfileChooser } from "./profiles.js";

export interface Region {
  name: string;
  /** A transport of its own: its own connection pool and SigV4 scope. */
  runtime: BedrockRuntime;
}

/**
 * Bedrock in several regions (AWS_BEDROCK_REGIONS, the first is primary). A call goes to the first region not
 * resting; when it throttles, is unavailable, has the model not ready, or cannot be reached, that region rests
 * (backoff.ts) and the call goes to the next. Only before the answer has started: a stream is handed over once
 * Bedrock accepted it, and a failure after that is the stream's (an error event), never a second call. When
 * every region rests: 429 if they all throttle, else 503, with retry-after until the first comes back.
 * With one region there is nothing to fail over to: errors pass through as Bedrock gave them.
 */
export function regionalRuntime(
  regions: Region[],
  profiles: ProfileChooser,
  now: () => number = Date.now,
): BedrockRuntime {
  const first = regions[0];
  if (first === undefined) throw new Error("regionalRuntime needs at least one region");
  const primary: Region = first;
  const backoff = new RegionBackoff(now);

  function exhausted(modelId: string): GatewayError {
    const rests = regions.map((region) => backoff.resting(`${region.name} ${modelId}`));
    const until = Math.min(...rests.map((rest) => rest?.until ?? now()));
    const retryAfter = Math.max(1, Math.ceil((until - now()) / 1000));
    const names = regions.map((region) => region.name).join(", ");
    if (rests.every((rest) => rest?.failure === "quota")) {
      return new GatewayError("rate_limit", `Bedrock is throttling this model in every region (${names}).`, {
        code: "rate_limit_exceeded",
        retryAfter,
      });
    }
    return new GatewayError(
      "unavailable",
      `Bedrock is unavailable for this model in every region (${names}).`,
      {
        code: "service_unavailable",
        retryAfter,
      },
    );
  }

  async function route<T>(
    modelId: string,
    useProfiles: boolean,
    exchange: Exchange | undefined,
    attempt: (runtime: BedrockRuntime, modelId: string) => Promise<T>,
  ): Promise<T> {
    let attempts = 0;
    // The request's record names the region and the model id (profile) of the last attempt, and how many.
    const tried = (region: Region, id: string) => {
      attempts += 1;
      if (exchange) {
        exchange.region = region.name;
        exchange.modelSent = id;
        exchange.attempts = attempts;
      }
      return attempt(region.runtime, id);
    };
    const send = (region: Region) =>
      useProfiles ? profiles.call(region.name, modelId, (id) => tried(region, id)) : tried(region, modelId);
    if (regions.length === 1) return send(primary);
    for (const region of regions) {
      const key = `${region.name} ${modelId}`;
      if (backoff.resting(key)) continue;
      try {
        const result = await send(region);
        backoff.succeeded(key);
        return result;
      } catch (error) {
        const failure = regionalFailure(error);
        if (failure === undefined) throw error;
        backoff.failed(key, failure);
      }
    }
    throw exhausted(modelId);
  }

  return {
    converse: (input, signal, exchange) =>
      route(input.modelId ?? "", true, exchange, (runtime, modelId) =>
        runtime.converse({ ...input, modelId }, signal),
      ),
    converseStream: (input, signal, exchange, observer) =>
      route(input.modelId ?? "", true, exchange, (runtime, modelId) =>
        runtime.converseStream({ ...input, modelId }, signal, undefined, observer),
      ),
    invokeModel: (request, signal, exchange) =>
      route(request.modelId, true, exchange, (runtime, modelId) =>
        runtime.invokeModel({ ...request, modelId }, signal),
      ),
    // CountTokens takes foundation model ids only: no profiles.
    countTokens: (input, signal, exchange) =>
      route(input.modelId ?? "", false, exchange, (runtime, modelId) =>
        runtime.countTokens({ ...input, modelId }, signal),
      ),
  };
}
