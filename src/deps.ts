import type { KeyVerifier } from "./auth/verifier.js";
import { cachedCatalogue, type ModelCatalogue, sdkModelLister } from "./bedrock/catalogue.js";
import { type GuardedRuntime, guardRuntime } from "./bedrock/guarded-runtime.js";
import { guardrailPolicyOf, withGuardrail } from "./bedrock/guardrail.js";
import { createLeanRuntime } from "./bedrock/lean/runtime.js";
import { ProfileChooser } from "./bedrock/regions/profiles.js";
import { createSdkRuntime } from "./bedrock/sdk-runtime.js";
import type { BedrockRuntime } from "./bedrock/transport.js";
import type { Config } from "./config/index.js";
import { mediaLoadersFor } from "./fetch/configured.js";
import type { MediaLoader } from "./media/types.js";
import type { Exchange } from "./observability/exchange.js";
import { noObservability, type Observability } from "./observability/load.js";
import { observedRuntime } from "./observability/observed-runtime.js";

/** Everything the routes need from the outside world, passed in so tests can start the real app on port 0. */
export interface Deps {
  bedrock: BedrockRuntime;
  catalogue: ModelCatalogue;
  /** A fresh loader per request (it bounds that request's downloads); `signal` cancels them. */
  mediaLoader: (signal?: AbortSignal, exchange?: Exchange) => MediaLoader;
  now: () => number;
  close: () => Promise<void>;
  /** Checks API keys; undefined when no key source is configured (authentication off). See src/auth/load.ts. */
  keyVerifier?: KeyVerifier | undefined;
  /** Metrics sinks and tracing (src/observability/load.ts); no-ops when none is configured. */
  observability: Observability;
  /** Ends the Bedrock calls in flight or waiting (the shutdown drain's deadline); absent in hand-made deps. */
  bedrockCalls?: Pick<GuardedRuntime, "interrupt" | "load" | "loadByRegion">;
}

/**
 * `keyVerifier` comes from `loadKeyVerifier(config)`, which reads the key before the server listens;
 * `observability` from `loadObservability(config, ...)`.
 *
 * The Bedrock runtime, from the inside out: one transport per region (its own pool and SigV4 scope), each with
 * its own response timeouts and admission control, failover across them, the operator's guardrail, and the
 * observation of every call (access log, metrics, traces).
 */
export function createDeps(
  config: Config,
  keyVerifier?: KeyVerifier,
  observability: Observability = noObservability,
): Deps {
  const transports = (config.AWS_BEDROCK_REGIONS ?? [config.region]).map((region) => {
    const options = {
      region,
      maxAttempts: config.BEDROCK_MAX_ATTEMPTS,
      connections: config.BEDROCK_MAX_CONCURRENT_CALLS,
      connectTimeoutMs: config.BEDROCK_CONNECT_TIMEOUT,
    };
    const runtime =
      config.BEDROCK_TRANSPORT === "sdk" ? createSdkRuntime(options) : createLeanRuntime(options);
    return { name: region, runtime };
  });
  const profiles = new ProfileChooser({
    enabled: config.AWS_BEDROCK_CROSS_REGION_INFERENCE,
    allowGlobal: config.AWS_BEDROCK_CROSS_REGION_INFERENCE_GLOBAL,
  });
  const admitted = guardRuntime(transports, profiles, config);
  // The operator's guardrail wraps every generative call of every route; without one, a named key may still
  // bring its own (a call that names none passes unchanged).
  const guarded = withGuardrail(admitted, guardrailPolicyOf(config));
  const { telemetry, tracing } = observability;
  telemetry.watchAdmission(() => admitted.loadByRegion());
  return {
    bedrock: observedRuntime(guarded, telemetry, tracing, config.region),
    bedrockCalls: admitted,
    catalogue: cachedCatalogue(sdkModelLister(config.region), config.MODEL_CACHE_SECONDS),
    mediaLoader: mediaLoadersFor(config, {}, { telemetry, tracing }),
    now: Date.now,
    close: async () => {
      await Promise.all(transports.map(({ runtime }) => runtime.destroy()));
      await tracing?.shutdown();
    },
    keyVerifier,
    observability,
  };
}
