import { GatewayError, invalidRequest } from "../errors.js";
import { MediaBudgetExceeded, mediaBudget } from "../media/budget.js";
import { decodeBase64Media, decodeDataUrl } from "../media/data-url.js";
import type { LoadedMedia, LoadedMediaOf, MediaLoader } from "../media/types.js";
import type { Exchange } from "../observability/exchange.js";
import type { Telemetry } from "../observability/telemetry.js";
import type { Tracing } from "../observability/tracing.js";
import { FetchRefused, FetchTooLarge } from "./failures.js";
import type { GuardedFetch } from "./guarded-fetch.js";
import { createLimiter, type Limiter } from "./limiter.js";
import { acceptFor, mediaOfDownload } from "./media-type.js";

export interface RemoteMediaOptions {
  /** ENABLE_REMOTE_URL_FETCH */
  enabled: boolean;
  /** MAX_CONCURRENT_INPUT_DOWNLOADS, per request. */
  maxConcurrent: number;
  /** MAX_INPUT_FILES_TOTAL_SIZE: bytes of all images and documents of one request, inline or downloaded. */
  maxTotalBytes: number;
  fetch: GuardedFetch;
  /** Counts refused downloads by reason. */
  telemetry?: Telemetry;
  /** A client span per download, when tracing is on. */
  tracing?: Tracing | undefined;
}

/**
 * Makes one MediaLoader per request; `signal` (the client going away) cancels that request's downloads, and
 * `exchange` is the request's record (its downloads become child spans of its trace).
 */
export type MediaLoaderFactory = (signal?: AbortSignal, exchange?: Exchange) => MediaLoader;

/** `data:` URLs are decoded in place, never fetched. */
const isDataUrl = (url: string) => url.slice(0, 5).toLowerCase() === "data:";

const mebibytes = (bytes: number) => `${Math.round((bytes / 1024 ** 2) * 100) / 100} MiB`;

/** The user's URL, refused with a clear reason when it is wrong on its face (no network involved yet). */
function remoteUrl(text: string, param: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidRequest("The URL is not valid.", param, "invalid_url");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidRequest("Only http, https and data URLs are accepted.", param, "invalid_url");
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidRequest("URLs with a user name or password are not accepted.", param, "invalid_url");
  }
  return url;
}

/** The 413 for a request whose images and documents together pass MAX_INPUT_FILES_TOTAL_SIZE. */
function budgetError(error: MediaBudgetExceeded, param: string): GatewayError {
  return new GatewayError(
    "request_too_large",
    `The images and documents of this request add up to more than the ${mebibytes(error.limit)} the gateway accepts per request (MAX_INPUT_FILES_TOTAL_SIZE).`,
    { param, code: "media_too_large", detail: error.message },
  );
}

/** The client's view of a failed download: one message whatever the reason; the reason goes to the log. */
function downloadError(error: unknown, param: string): unknown {
  if (error instanceof MediaBudgetExceeded) return budgetError(error, param);
  if (error instanceof FetchTooLarge) {
    return new GatewayError(
      "request_too_large",
      `The file is larger than the ${mebibytes(error.limit)} the gateway downloads.`,
      { param, code: "file_too_large", detail: `download refused: ${error.message}` },
    );
  }
  if (error instanceof FetchRefused) {
    return new GatewayError("invalid_request", "The file at this URL could not be downloaded.", {
      param,
      code: "url_not_downloadable",
      detail: `download refused: ${error.reason}`,
    });
  }
  return error;
}

/**
 * `data:` URLs are decoded here; http(s) URLs go through the guarded fetcher, at most `maxConcurrent` at a
 * time per request. Every file, inline or downloaded, is charged to the request's budget of `maxTotalBytes`
 * (downloads chunk by chunk). The first failure cancels the request's other downloads: the request fails
 * anyway.
 */
export function remoteMediaLoaders(options: RemoteMediaOptions): MediaLoaderFactory {
  return (signal, exchange) => {
    const budget = mediaBudget(options.maxTotalBytes);
    // Made on the first remote URL: most requests have none, and this is on every request's path.
    let downloads: { limit: Limiter; cancel: AbortController; abort: AbortSignal } | undefined;
    const remote = () => {
      if (downloads) return downloads;
      const cancel = new AbortController();
      const abort = signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal;
      downloads = { limit: createLimiter(options.maxConcurrent), cancel, abort };
      return downloads;
    };
    /** Inline bytes are already in memory (the request body): they are charged once decoded. */
    const charged = <M extends LoadedMedia>(media: M, param: string): M => {
      try {
        budget.charge(media.bytes.length);
      } catch (error) {
        downloads?.cancel.abort();
        throw error instanceof MediaBudgetExceeded ? budgetError(error, param) : error;
      }
      return media;
    };
    return {
      inline: (mime, base64, expected, param) =>
        charged(decodeBase64Media(mime, base64, expected, param), param) as LoadedMediaOf[typeof expected],
      async load(text, expected, param) {
        if (isDataUrl(text)) return charged(decodeDataUrl(text, expected, param), param);
        if (!options.enabled) {
          throw invalidRequest(
            "Remote URLs are disabled on this gateway; send the file inline as a base64 data URL.",
            param,
            "remote_url_disabled",
          );
        }
        const url = remoteUrl(text, param);
        const { limit, cancel, abort } = remote();
        try {
          const file = await limit(async () => {
            const span = options.tracing?.startDownload(exchange, url);
            try {
              const fetched = await options.fetch(url, {
                accept: acceptFor(expected),
                signal: abort,
                onBytes: budget.charge,
              });
              span?.end(exchange, undefined);
              return fetched;
            } catch (error) {
              const kind = error instanceof FetchRefused ? error.kind : (error as Error).name;
              if (error instanceof FetchRefused) options.telemetry?.downloadRefused(error.kind);
              span?.end(exchange, kind);
              throw error;
            }
          });
          return mediaOfDownload(file, expected, param);
        } catch (error) {
          cancel.abort();
          throw downloadError(error, param);
        }
      },
    };
  };
}
