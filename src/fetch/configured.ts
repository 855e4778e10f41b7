import type { Config } from "../config/index.js";
import type { Telemetry } from "../observability/telemetry.js";
import type { Tracing } from "../observability/tracing.js";
import { createGuardedFetch, type GuardedFetchOptions } from "./guarded-fetch.js";
import { type MediaLoaderFactory, remoteMediaLoaders } from "./media-loader.js";
import { systemResolver } from "./resolver.js";

/** What tests replace: their own names (never the machine's DNS) and their own certificate authority. */
export type FetchOverrides = Partial<Pick<GuardedFetchOptions, "resolve" | "ca">>;

/** The per-request media loaders the configuration asks for. */
export function mediaLoadersFor(
  config: Config,
  overrides: FetchOverrides = {},
  observers: { telemetry?: Telemetry; tracing?: Tracing | undefined } = {},
): MediaLoaderFactory {
  return remoteMediaLoaders({
    ...observers,
    enabled: config.ENABLE_REMOTE_URL_FETCH,
    maxConcurrent: config.MAX_CONCURRENT_INPUT_DOWNLOADS,
    maxTotalBytes: config.MAX_INPUT_FILES_TOTAL_SIZE,
    fetch: createGuardedFetch({
      policy: { blockPrivateNetworks: config.SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS },
      resolve: overrides.resolve ?? systemResolver,
      ca: overrides.ca,
      maxRedirects: config.SSRF_MAX_REDIRECTS,
      maxBytes: config.MAX_INPUT_FILE_SIZE,
      connectTimeoutMs: config.REMOTE_URL_CONNECT_TIMEOUT_SECONDS * 1000,
      timeoutMs: config.REMOTE_URL_TIMEOUT_SECONDS * 1000,
    }),
  });
}
