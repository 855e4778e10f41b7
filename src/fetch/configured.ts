import type { Config } from "../config/index.js";
import { createGuardedFetch } from "./guarded-fetch.js";
import { type MediaLoaderFactory, remoteMediaLoaders } from "./media-loader.js";
import { type Resolver, systemResolver } from "./resolver.js";

/** The per-request media loaders the configuration asks for. Tests pass their own resolver, never real DNS. */
export function mediaLoadersFor(config: Config, resolve: Resolver = systemResolver): MediaLoaderFactory {
  return remoteMediaLoaders({
    enabled: config.ENABLE_REMOTE_URL_FETCH,
    maxConcurrent: config.MAX_CONCURRENT_INPUT_DOWNLOADS,
    fetch: createGuardedFetch({
      policy: { blockPrivateNetworks: config.SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS },
      resolve,
      maxRedirects: config.SSRF_MAX_REDIRECTS,
      maxBytes: config.MAX_INPUT_FILE_SIZE,
      connectTimeoutMs: config.REMOTE_URL_CONNECT_TIMEOUT_SECONDS * 1000,
      timeoutMs: config.REMOTE_URL_TIMEOUT_SECONDS * 1000,
    }),
  });
}
