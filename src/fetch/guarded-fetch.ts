import type { Agent } from "../http/undici.js";
import { acceptedEncodings, discard, readLimitedBody } from "./body.js";
import { FetchRefused, FetchTooLarge } from "./failures.js";
import type { AddressPolicy } from "./ip-policy.js";
import { pinnedAgent } from "./pinned-agent.js";
import type { Resolver } from "./resolver.js";
import { checkTarget, originOf } from "./target.js";

export interface GuardedFetchOptions {
  policy: AddressPolicy;
  resolve: Resolver;
  maxRedirects: number;
  maxBytes: number;
  connectTimeoutMs: number;
  /** One deadline for the whole download: every hop, the headers and the last byte of the body. */
  timeoutMs: number;
  userAgent?: string;
  /** Certificates to trust instead of Node's bundled CAs (a private CA; the tests' own). */
  ca?: string | Buffer;
}

export interface FetchedFile {
  bytes: Buffer;
  /** The Content-Type header as sent, if any. */
  contentType: string | undefined;
  /** Where the bytes finally came from, after redirects. */
  url: URL;
}

/**
 * GET a user-supplied URL; throws FetchRefused or FetchTooLarge, never connects to a blocked address.
 * `onBytes` is told the size of each decoded body chunk as it arrives; an error it throws stops the download
 * and is thrown as is (a budget shared by several downloads).
 */
export type GuardedFetch = (
  url: URL,
  options: { accept: string; signal?: AbortSignal; onBytes?: (count: number) => void },
) => Promise<FetchedFile>;

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(", ") : value);

/** The next hop of a redirect. http → https is an upgrade and allowed; every other change of scheme is not. */
function redirectTarget(from: URL, location: string | undefined): URL {
  if (!location) throw new FetchRefused(`${originOf(from)}: redirect without Location`, "redirect");
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new FetchRefused(`${originOf(from)}: redirect to an invalid URL`, "redirect");
  }
  const upgrade = from.protocol === "http:" && next.protocol === "https:";
  if (next.protocol !== from.protocol && !upgrade) {
    throw new FetchRefused(
      `${originOf(from)}: redirect from ${from.protocol} to ${next.protocol}`,
      "redirect",
    );
  }
  return next;
}

function describe(error: unknown): string {
  const candidate = error as { code?: string; message?: string } | null;
  return candidate?.code ?? candidate?.message ?? String(error);
}

export function createGuardedFetch(options: GuardedFetchOptions): GuardedFetch {
  const userAgent = options.userAgent ?? "Aegis-Gateway (media download)";

  return async (url, { accept, signal, onBytes }) => {
    let stopped: { error: unknown } | undefined;
    const count =
      onBytes &&
      ((bytes: number) => {
        try {
          onBytes(bytes);
        } catch (error) {
          stopped = { error };
          throw error;
        }
      });
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let current = url;
    for (let hop = 0; ; hop++) {
      let agent: Agent | undefined;
      try {
        const target = await checkTarget(current, options.resolve, options.policy, abort);
        agent = pinnedAgent(target, options.connectTimeoutMs, options.ca);
        const response = await agent.request({
          origin: current.origin,
          path: `${current.pathname}${current.search}`,
          method: "GET",
          signal: abort,
          headers: { accept, "accept-encoding": acceptedEncodings, "user-agent": userAgent },
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        const { statusCode, headers } = response;
        if (redirectStatuses.has(statusCode)) {
          discard(response.body);
          if (hop >= options.maxRedirects) {
            throw new FetchRefused(
              `${originOf(current)}: more than ${options.maxRedirects} redirects`,
              "redirect",
            );
          }
          current = redirectTarget(current, single(headers.location));
          continue;
        }
        if (statusCode < 200 || statusCode > 299) {
          discard(response.body);
          throw new FetchRefused(`${originOf(current)}: status ${statusCode}`, "status");
        }
        const bytes = await readLimitedBody(
          response.body,
          {
            contentLength: single(headers["content-length"]),
            contentEncoding: single(headers["content-encoding"]),
          },
          options.maxBytes,
          count,
        );
        return { bytes, contentType: single(headers["content-type"]), url: current };
      } catch (error) {
        if (stopped) throw stopped.error;
        if (error instanceof FetchRefused || error instanceof FetchTooLarge) throw error;
        if (deadline.aborted) {
          throw new FetchRefused(
            `${originOf(current)}: no complete answer within ${options.timeoutMs} ms`,
            "timeout",
          );
        }
        if (signal?.aborted) throw new FetchRefused(`${originOf(current)}: download cancelled`, "cancelled");
        throw new FetchRefused(`${originOf(current)}: ${describe(error)}`);
      } finally {
        agent?.destroy().catch(() => undefined);
      }
    }
  };
}
