import type { Config } from "../config/index.js";
import type { GatewayError } from "../errors.js";
import { CallSlots, type Load, WaitLine } from "./admission.js";
import type { ProfileChooser } from "./regions/profiles.js";
import { regionalRuntime } from "./regions/regional-runtime.js";
import type { BedrockRuntime } from "./transport.js";
import { watchCalls } from "./watched-runtime.js";

export interface GuardedRuntime extends BedrockRuntime {
  /** Ends every Bedrock call in flight or waiting, in every region, with `reason` (the shutdown drain's deadline). */
  interrupt(reason: GatewayError): number;
  /** Calls in flight and calls waiting, all regions together. */
  load(): Load;
  /** The same per region, in AWS_BEDROCK_REGIONS order (a waiting call counts in the queue it took a place in). */
  loadByRegion(): Record<string, Load>;
}

type Limits = Pick<
  Config,
  "AI_RESPONSE_TIMEOUT" | "BEDROCK_MAX_CONCURRENT_CALLS" | "BEDROCK_QUEUE_LIMIT" | "BEDROCK_QUEUE_TIMEOUT"
>;

/**
 * The regions' transports behind the gateway's bounds, per region: AI_RESPONSE_TIMEOUT on each call, and the
 * region's own admission limit and queue (the time a call waits for a slot is not Bedrock's silence). Per
 * region, so a region whose calls hang fills only its own slots while the others keep serving; the failover
 * across them (regional-runtime.ts) takes the slots.
 */
export function guardRuntime(
  transports: { name: string; runtime: BedrockRuntime }[],
  profiles: ProfileChooser,
  config: Limits,
): GuardedRuntime {
  const line = new WaitLine();
  const regions = transports.map(({ name, runtime }) => ({
    name,
    runtime: watchCalls(runtime, config.AI_RESPONSE_TIMEOUT),
    slots: new CallSlots(
      {
        limit: config.BEDROCK_MAX_CONCURRENT_CALLS,
        queueLimit: config.BEDROCK_QUEUE_LIMIT,
        queueTimeoutMs: config.BEDROCK_QUEUE_TIMEOUT,
      },
      line,
    ),
  }));
  const routed = regionalRuntime(regions, profiles);
  return {
    converse: routed.converse,
    converseStream: routed.converseStream,
    invokeModel: routed.invokeModel,
    countTokens: routed.countTokens,
    load: () => ({
      running: regions.reduce((sum, region) => sum + region.slots.load().running, 0),
      waiting: line.waiters.length,
    }),
    loadByRegion: () => Object.fromEntries(regions.map((region) => [region.name, region.slots.load()])),
    interrupt(reason) {
      // The waiting first: the slots the interrupted calls give back must not admit them.
      line.refuseAll(reason);
      return regions.reduce((count, region) => count + region.runtime.interrupt(reason), 0);
    },
  };
}
