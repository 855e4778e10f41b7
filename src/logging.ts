import type { FastifyServerOptions } from "fastify";
import pino, { type DestinationStream } from "pino";

/** Header values that must never reach a log line. */
export const redactedPaths = [
  "req.headers.authorization",
  "req.headers['x-api-key']",
  "req.headers.cookie",
  "req.headers['proxy-authorization']",
  "res.headers['set-cookie']",
];

/**
 * Log lines go to stdout asynchronously: a synchronous write per request is a system call on the request's
 * path and, when the reader of stdout is slow, a wait. Lines written while one write is in flight leave
 * together in the next, and whatever is buffered is flushed when the process exits.
 */
export function loggerOptions(
  level: string,
  stream: DestinationStream = pino.destination({ dest: 1, sync: false }),
): FastifyServerOptions["logger"] {
  return { level, redact: { paths: redactedPaths, censor: "[redacted]" }, stream };
}

/** A request URL as logged: a query string can carry a secret (a key pasted as ?api_key=), so only its presence is. */
export function loggedUrl(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : `${url.slice(0, query)}?[redacted]`;
}
