import type { IncomingMessage } from "node:http";
import type { onRequestHookHandler } from "fastify";
import { GatewayError } from "../errors.js";
import { type HostPattern, hostMatches, normalizeHost } from "./host-names.js";

function hostHeaderCount(raw: IncomingMessage): number {
  let count = 0;
  for (let index = 0; index < raw.rawHeaders.length; index += 2) {
    if (raw.rawHeaders[index]?.toLowerCase() === "host") count++;
  }
  return count;
}

function isTrusted(value: string, patterns: HostPattern[]): boolean {
  const host = normalizeHost(value);
  return host !== undefined && patterns.some((pattern) => hostMatches(host, pattern));
}

/**
 * Why a request's host is refused, or undefined when it is accepted. The untrusted value is never
 * echoed back. Without patterns only HTTP/1.1's own rule applies: a request must carry a Host.
 */
export function hostProblem(raw: IncomingMessage, patterns: HostPattern[] | undefined): string | undefined {
  const count = hostHeaderCount(raw);
  if (patterns === undefined) {
    return count === 0 && raw.httpVersion === "1.1" ? "The request has no Host header." : undefined;
  }
  if (count === 0) return "The request has no Host header.";
  if (count > 1) return "The request has more than one Host header.";
  if (!isTrusted(raw.headers.host ?? "", patterns))
    return "The Host header names a host this gateway does not serve.";
  const target = raw.url ?? "";
  if (!target.startsWith("/")) {
    // Absolute-form (GET http://other.example/v1/models): HTTP says the target's host wins over Host.
    let authority: string | undefined;
    try {
      authority = new URL(target).host;
    } catch {
      authority = undefined;
    }
    if (authority === undefined || !isTrusted(authority, patterns)) {
      return "The request target names a host this gateway does not serve.";
    }
  }
  return undefined;
}

/**
 * Refuses requests for hosts not in TRUSTED_HOSTS with a 400 in the route's dialect. GET /health is
 * exempt: load balancers send the target's IP address as Host in their health checks.
 */
export function trustedHostHook(patterns: HostPattern[] | undefined): onRequestHookHandler {
  return (request, _reply, done) => {
    if (request.routeOptions.url === "/health") return done();
    const problem = hostProblem(request.raw, patterns);
    if (problem === undefined) return done();
    done(new GatewayError("invalid_request", problem, { code: "invalid_host" }));
  };
}
