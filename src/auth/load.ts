import type { Config } from "../config/index.js";
import { keyStoreSources } from "../config/keys.js";
import { AcceptedKeys, type KeyDigests } from "./accepted-keys.js";
import { loadKeyStoreVerifier } from "./key-store-verifier.js";
import { DEFAULT_KEY } from "./named-key.js";
import { refreshPeriodically } from "./refresher.js";
import type { KeySource } from "./sources/source.js";
import type { KeyVerifier } from "./verifier.js";

/** Whether the configuration names an API key source (if so, a verifier is required). */
export function hasKeySource(config: Config): boolean {
  return (
    config.API_KEY !== undefined ||
    config.API_KEY_SSM_PARAMETER !== undefined ||
    config.API_KEY_SECRETSMANAGER_SECRET !== undefined ||
    keyStoreSources(config).length > 0
  );
}

/**
 * The SSM and Secrets Manager clients are loaded only when configured: together they are about 14 MiB of
 * resident memory in every gateway process otherwise.
 */
async function awsKeySource(config: Config): Promise<KeySource | undefined> {
  // The key lives next to the deployment: AWS_REGION first, then the first Bedrock region.
  const region = config.AWS_REGION ?? config.region;
  if (config.API_KEY_SSM_PARAMETER !== undefined) {
    const { ssmKeySource } = await import("./sources/ssm.js");
    return ssmKeySource(config.API_KEY_SSM_PARAMETER, region);
  }
  if (config.API_KEY_SECRETSMANAGER_SECRET !== undefined) {
    const field = config.API_KEY_SECRETSMANAGER_KEY ?? "api_key";
    const { secretsManagerKeySource } = await import("./sources/secrets-manager.js");
    return secretsManagerKeySource(config.API_KEY_SECRETSMANAGER_SECRET, field, region);
  }
  return undefined;
}

/**
 * Reads the configured API key and key store once and returns the verifier holding their digests, or
 * undefined when no source is configured (authentication off). Rejects with a KeySourceError when a key
 * or the store cannot be read. The single key is the key named `default`.
 */
export async function loadKeyVerifier(config: Config): Promise<KeyVerifier | undefined> {
  const single = await loadSingleKeyVerifier(config);
  const store = await loadKeyStoreVerifier(config).catch((error: unknown) => {
    single?.stop();
    throw error;
  });
  if (store === undefined || single === undefined) return store ?? single;
  return {
    verify(presented, now) {
      // Both are always asked, so the time taken does not say which of them holds the key.
      const named = store.verify(presented, now);
      const isDefault = single.verify(presented, now);
      return named ?? isDefault;
    },
    start(log, now) {
      single.start(log, now);
      store.start(log, now);
    },
    stop() {
      single.stop();
      store.stop();
    },
  };
}

async function loadSingleKeyVerifier(config: Config): Promise<KeyVerifier | undefined> {
  const graceMs = config.API_KEY_ROTATION_GRACE_SECONDS * 1000;
  if (config.API_KEY !== undefined) {
    const keys = new AcceptedKeys({ current: config.API_KEY, pending: undefined }, graceMs);
    return {
      verify: (presented, now) => (keys.accepts(presented, now) ? DEFAULT_KEY : undefined),
      start() {},
      stop() {},
    };
  }
  const source = await awsKeySource(config);
  if (source === undefined) return undefined;
  let initial: KeyDigests;
  try {
    initial = await source.read();
  } catch (error) {
    source.close();
    throw error;
  }
  const keys = new AcceptedKeys(initial, graceMs);
  let stopRefreshing: (() => void) | undefined;
  return {
    verify: (presented, now) => (keys.accepts(presented, now) ? DEFAULT_KEY : undefined),
    start(log, now) {
      if (config.API_KEY_REFRESH_SECONDS === 0 || stopRefreshing) return;
      stopRefreshing = refreshPeriodically({
        source,
        keys,
        intervalMs: config.API_KEY_REFRESH_SECONDS * 1000,
        graceSeconds: config.API_KEY_ROTATION_GRACE_SECONDS,
        log,
        now,
      });
    },
    stop() {
      stopRefreshing?.();
      source.close();
    },
  };
}
