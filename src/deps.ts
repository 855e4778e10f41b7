import type { KeyVerifier } from "./auth/verifier.js";
import { cachedCatalogue, type ModelCatalogue, sdkModelLister } from "./bedrock/catalogue.js";
import { guardrailPolicyOf, withGuardrail } from "./bedrock/guardrail.js";
import { createLeanRuntime } from "./bedrock/lean/runtime.js";
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
}

/**
 * `keyVerifier` comes from `loadKeyVerifier(config)`, which reads the key before the server listens;
 * `observability` from `loadObservability(config, ...)`.
 */
export function createDeps(
  config: Config,
  keyVerifier?: KeyVerifier,
  observability: Observability = noObservability,
): Deps {
  const runtimeOptions = { region: config.region, maxAttempts: config.BEDROCK_MAX_ATTEMPTS };
  const transport =
    config.BEDROCK_TRANSPORT === "sdk" ? createSdkRuntime(runtimeOptions) : createLeanRuntime(runtimeOptions);
  const { telemetry, tracing } = observability;
  // The operator's guardrail wraps the transport, so every generative call of every route carries it.
  // (Per-key guardrails, when keys name one, need it composed whenever any key does too.)
  const guardrail = guardrailPolicyOf(config);
  const guarded = guardrail.guardrail ? withGuardrail(transport, guardrail) : transport;
  return {
    bedrock: observedRuntime(guarded, telemetry, tracing, config.region),
    catalogue: cachedCatalogue(sdkModelLister(config.region), config.MODEL_CACHE_SECONDS),
    mediaLoader: mediaLoadersFor(config, {}, { telemetry, tracing }),
    now: Date.now,
    close: async () => {
      transport.destroy();
      await tracing?.shutdown();
    },
    keyVerifier,
    observability,
  };
}
