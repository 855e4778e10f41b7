import type { FastifyServerOptions } from "fastify";

/** Header values that must never reach a log line. */
export const redactedPaths = [
  "req.headers.authorization",
  "req.headers['x-api-key']",
  "req.headers.cookie",
  "req.headers['proxy-authorization']",
  "res.headers['set-cookie']",
];

export function loggerOptions(level: string): FastifyServerOptions["logger"] {
  return { level, redact: { paths: redactedPaths, censor: "[redacted]" } };
}

/** A request URL as logged: a query string can carry a secret (a key pasted as ?api_key=), so only its presence is. */
export function loggedUrl(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : `${url.slice(0, query)}?[redacted]`;
}
