import cors, { type FastifyCorsOptions } from "@fastify/cors";
import type { FastifyInstance, FastifyRequest } from "fastify";

/** Request headers the OpenAI and Anthropic clients send, exactly or by prefix. */
const allowedHeaderNames = new Set([
  "authorization",
  "x-api-key",
  "content-type",
  "anthropic-version",
  "anthropic-beta",
  // The Anthropic SDK sends it from browsers (dangerouslyAllowBrowser).
  "anthropic-dangerous-direct-browser-access",
]);
const allowedHeaderPrefixes = ["x-stainless-", "openai-"];

const methods = ["GET", "POST"];
const exposedHeaders = ["x-request-id", "request-id", "retry-after"];
/** Seconds a browser may reuse a preflight answer. */
const preflightMaxAge = 600;

/**
 * A CORS_ALLOW_ORIGINS entry in the form browsers send in Origin (scheme://host[:port], default port
 * dropped, lower case), or "*"; a string explains what is wrong.
 */
export function parseAllowedOrigin(entry: string): string | { error: string } {
  const text = entry.trim();
  if (text === "*") return "*";
  if (text.toLowerCase() === "null") {
    return { error: '"null" is the origin of sandboxed pages and local files; it cannot be allowed' };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `"${entry}" is not an origin such as https://app.example.com` };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { error: `"${entry}": an origin starts with https:// or http://` };
  }
  if (url.username || url.password || url.search || url.hash || url.pathname !== "/" || text.endsWith("/")) {
    return { error: `"${entry}": give only scheme://host[:port], no path or trailing slash` };
  }
  if (url.hostname.includes("*"))
    return { error: `"${entry}": wildcards are not supported; list each origin` };
  return url.origin;
}

/** The requested headers we allow, so new x-stainless-* headers of the SDKs keep working. */
export function allowedRequestHeaders(requested: string | undefined): string[] {
  if (requested === undefined) return [];
  return requested
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(
      (name) =>
        allowedHeaderNames.has(name) ||
        allowedHeaderPrefixes.some((prefix) => name.startsWith(prefix) && name.length > prefix.length),
    );
}

const noCors: FastifyCorsOptions = { origin: false };

/**
 * CORS for browsers, with @fastify/cors in an onRequest hook, so a preflight is answered before
 * authentication runs (browsers never send credentials on a preflight). Requests without Origin, from
 * an origin not listed, or from the opaque "null" origin get no CORS headers at all, and their
 * OPTIONS requests fall through to a 404.
 */
export async function registerCors(app: FastifyInstance, origins: string[]): Promise<void> {
  const anyOrigin = origins.includes("*");
  const listed = new Set(origins);
  const optionsFor = (request: FastifyRequest): FastifyCorsOptions => {
    const origin = request.headers.origin;
    if (origin === undefined || origin === "null" || !(anyOrigin || listed.has(origin))) return noCors;
    const isPreflight =
      request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
    return {
      origin: anyOrigin ? "*" : origin,
      credentials: false,
      methods,
      exposedHeaders,
      allowedHeaders: allowedRequestHeaders(request.headers["access-control-request-headers"]),
      maxAge: preflightMaxAge,
      preflight: isPreflight,
      strictPreflight: false,
    };
  };
  await app.register(cors, {
    hook: "onRequest",
    delegator: (request, callback) => callback(null, optionsFor(request)),
  });
}
