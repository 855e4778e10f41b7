import type { onRequestHookHandler } from "fastify";

/** Headers every answer carries. Fastify and Node send no X-Powered-By or Server header to remove. */
export const securityHeaders: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  // Completions and model lists are per-caller answers; no proxy or browser cache should keep them.
  "cache-control": "no-store",
};

/** One year, without includeSubDomains: the gateway cannot speak for its sibling hosts. */
const hsts = "max-age=31536000";

/**
 * Sets the security headers first thing, so errors from later hooks carry them too. HSTS only when the
 * client reached us over HTTPS: our own TLS, or a trusted proxy's X-Forwarded-Proto.
 */
export const securityHeadersHook: onRequestHookHandler = (request, reply, done) => {
  reply.headers(securityHeaders);
  if (request.protocol === "https") reply.header("strict-transport-security", hsts);
  done();
};
