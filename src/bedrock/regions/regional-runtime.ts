import { GatewayError } from "../../errors.js";
import type { Exchange } from "../../observability/exchange.js";
import { type CallSlots, releasingOnEnd, Slot, takeSlot } from "../admission.js";
import type { BedrockRuntime } from "../transport.js";
import { RegionBackoff } from "./backoff.js";
import { regionalFailure } from "./failure-kind.js";
import type { ProfileChooser } from "./profiles.js";

export interface Region {
  name: string;
  /** A transport of its own: its own connection pool and SigV4 scope. */
  runtime: BedrockRuntime;
  /** The region's own admission limit and queue (guarded-runtime.ts); none: calls are not limited here. */
  slots?: CallSlots;
}

/**
 * Bedrock in several regions (AWS_BEDROCK_REGIONS, the first is primary). A call goes to the first region not
 * resting that has a free admission slot; when it throttles, is unavailable, has the model not ready, or cannot
 * be reached, that region rests (backoff.ts) and the call goes to the next. A region whose slots are all taken
 * is passed over too, but does not rest: the limit is the gateway's own, not a sign of Bedrock's health. Only
 * when no region has a free slot does the call wait, with a place in the shortest of their queues, for the
 * first slot given back in any of them (at most BEDROCK_QUEUE_TIMEOUT in all); no room in any queue, or no slot
 * in time: 503/529 overloaded with retry-after. All of this before the answer has started: a stream is handed
 * over once Bedrock accepted it, and a failure after that is the stream's (an error event), never a second
 * call. When every region rests: 429 if they all throttle, else 503, with retry-after until the first comes
 * back. With one region there is nothing to fail over to: it waits in its own queue as usual, and errors pass
 * through as Bedrock gave them.
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
  const regionOf = new Map(regions.flatMap((region) => (region.slots ? [[region.slots, region]] : [])));

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

  /**
   * `attempt` runs the call in the region holding `slot`; a call that returns a stream keeps the slot until
   * the stream ends (see `streams` below), any other gives it back when it settles.
   */
  async function route<T>(
    modelId: string,
    useProfiles: boolean,
    signal: AbortSignal | undefined,
    exchange: Exchange | undefined,
    attempt: (runtime: BedrockRuntime, modelId: string, slot: Slot) => Promise<T>,
    streams = false,
  ): Promise<T> {
    let attempts = 0;
    // The request's record names the region and the model id (profile) of the last attempt, and how many.
    const tried = (region: Region, id: string, slot: Slot) => {
      attempts += 1;
      if (exchange) {
        exchange.region = region.name;
        exchange.modelSent = id;
        exchange.attempts = attempts;
      }
      return attempt(region.runtime, id, slot);
    };
    // The slot is held across the profile ids tried in the region.
    async function send(region: Region, slot: Slot): Promise<T> {
      try {
        const result = await (useProfiles
          ? profiles.call(region.name, modelId, (id) => tried(region, id, slot))
          : tried(region, modelId, slot));
        if (streams) slot.releaseOnAbort(signal);
        else slot.release();
        return result;
      } catch (error) {
        slot.release();
        throw error;
      }
    }
    const slotIn = (region: Region) => (region.slots ? region.slots.tryTake() : new Slot(undefined));
    if (regions.length === 1) {
      const { slots } = primary;
      if (slots === undefined) return send(primary, new Slot(undefined));
      const { queueTimeoutMs } = slots.options;
      return send(primary, await takeSlot([slots], signal, queueTimeoutMs, queueTimeoutMs));
    }
    // Undefined: the region failed (and rests); the call goes on to the next.
    async function sendOrFailOver(region: Region, slot: Slot): Promise<{ result: T } | undefined> {
      const key = `${region.name} ${modelId}`;
      try {
        const result = await send(region, slot);
        backoff.succeeded(key);
        return { result };
      } catch (error) {
        const failure = regionalFailure(error);
        if (failure === undefined) throw error;
        backoff.failed(key, failure);
        return undefined;
      }
    }
    const full: Region[] = [];
    for (const region of regions) {
      if (backoff.resting(`${region.name} ${modelId}`)) continue;
      const slot = slotIn(region);
      if (slot === undefined) {
        full.push(region);
        continue;
      }
      const sent = await sendOrFailOver(region, slot);
      if (sent) return sent.result;
    }
    // Every region not resting is at its limit: wait for the first slot any of them gives back.
    const timeoutMs = full[0]?.slots?.options.queueTimeoutMs ?? 0;
    const waitUntil = performance.now() + timeoutMs;
    while (full.length > 0) {
      const slot = await takeSlot(
        full.flatMap((region) => (region.slots ? [region.slots] : [])),
        signal,
        Math.max(0, waitUntil - performance.now()),
        timeoutMs,
      );
      const region = slot.pool ? regionOf.get(slot.pool) : undefined;
      if (region === undefined) throw new Error("a slot from no region");
      full.splice(full.indexOf(region), 1);
      const sent = await sendOrFailOver(region, slot);
      if (sent) return sent.result;
    }
    throw exhausted(modelId);
  }

  return {
    converse: (input, signal, exchange) =>
      route(input.modelId ?? "", true, signal, exchange, (runtime, modelId) =>
        runtime.converse({ ...input, modelId }, signal),
      ),
    converseStream: (input, signal, exchange, observer) =>
      route(
        input.modelId ?? "",
        true,
        signal,
        exchange,
        (runtime, modelId, slot) =>
          runtime.converseStream({ ...input, modelId }, signal, undefined, releasingOnEnd(slot, observer)),
        true,
      ),
    invokeModel: (request, signal, exchange) =>
      route(request.modelId, true, signal, exchange, (runtime, modelId) =>
        runtime.invokeModel({ ...request, modelId }, signal),
      ),
    // CountTokens takes foundation model ids only: no profiles.
    countTokens: (input, signal, exchange) =>
      route(input.modelId ?? "", false, signal, exchange, (runtime, modelId) =>
        runtime.countTokens({ ...input, modelId }, signal),
      ),
  };
}
