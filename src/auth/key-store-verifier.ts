import type { Config } from "../config/index.js";
import type { KeyStore } from "./key-store.js";
import { repeatEvery } from "./refresher.js";
import type { KeyStoreSource } from "./sources/key-store-source.js";
import { KeySourceError } from "./sources/source.js";
import type { KeyVerifier } from "./verifier.js";

type StoreSettings = Pick<
  Config,
  "API_KEYS_FILE" | "API_KEYS_SSM_PARAMETER" | "API_KEYS_SECRETSMANAGER_SECRET" | "AWS_REGION" | "region"
>;

/** The configured key store source; the AWS clients are loaded only when an AWS source is configured. */
async function keyStoreSourceOf(config: StoreSettings): Promise<KeyStoreSource | undefined> {
  const region = config.AWS_REGION ?? config.region;
  if (config.API_KEYS_FILE !== undefined) {
    const { fileKeyStoreSource } = await import("./sources/key-store-source.js");
    return fileKeyStoreSource(config.API_KEYS_FILE);
  }
  if (config.API_KEYS_SSM_PARAMETER !== undefined) {
    const { ssmKeyStoreSource } = await import("./sources/key-store-aws.js");
    return ssmKeyStoreSource(config.API_KEYS_SSM_PARAMETER, region);
  }
  if (config.API_KEYS_SECRETSMANAGER_SECRET !== undefined) {
    const { secretsManagerKeyStoreSource } = await import("./sources/key-store-aws.js");
    return secretsManagerKeyStoreSource(config.API_KEYS_SECRETSMANAGER_SECRET, region);
  }
  return undefined;
}

/**
 * Reads the key store once (rejecting with a KeySourceError naming the bad entry and field) and returns a
 * verifier over it, or undefined when no store is configured. Every API_KEY_REFRESH_SECONDS the store is
 * read again; a read that fails keeps the last good copy and logs an error: never "no keys, so no auth".
 */
export async function loadKeyStoreVerifier(
  config: StoreSettings & Pick<Config, "API_KEY_REFRESH_SECONDS">,
): Promise<KeyVerifier | undefined> {
  const source = await keyStoreSourceOf(config);
  if (source === undefined) return undefined;
  let store: KeyStore;
  try {
    store = await source.read();
  } catch (error) {
    source.close();
    throw error;
  }
  let stopRefreshing: (() => void) | undefined;
  return {
    verify: (presented, now) => store.find(presented, now),
    start(log) {
      log.info({ source: source.description, keys: store.size }, "API key store loaded");
      if (config.API_KEY_REFRESH_SECONDS === 0 || stopRefreshing) return;
      stopRefreshing = repeatEvery(config.API_KEY_REFRESH_SECONDS * 1000, async (stopped) => {
        try {
          const next = await source.read();
          if (stopped()) return;
          const before = new Set(store.names);
          const after = new Set(next.names);
          store = next;
          const added = [...after].filter((name) => !before.has(name));
          const removed = [...before].filter((name) => !after.has(name));
          const changed = added.length > 0 || removed.length > 0;
          log[changed ? "info" : "debug"](
            { source: source.description, keys: next.size, added, removed },
            "API key store reloaded",
          );
        } catch (error) {
          if (stopped()) return;
          const problem = error instanceof KeySourceError ? error.message : (error as Error).name;
          log.error(
            { source: source.description, problem },
            "API key store reload failed; the last good copy stays in use",
          );
        }
      });
    },
    stop() {
      stopRefreshing?.();
      source.close();
    },
  };
}
