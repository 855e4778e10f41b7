import type { FastifyServerOptions } from "fastify";
import type { DestinationStream } from "pino";
import { batchedWriter } from "./stdout-batches.js";

/** Header values that must never reach a log line. */
export const redactedPaths = [
  "req.headers.authorization",
  "req.headers['x-api-key']",
  "req.headers.cookie",
  "req.headers['proxy-authorization']",
  "res.headers['set-cookie']",
];

/**
 * Log lines go to stdout in batches of up to 64 KiB, at most 100 ms after their first line, each batch one
 * asynchronous write. A write per line cost about 0.1 ms of CPU per request at concurrency 1 (a hand-off to
 * libuv's thread pool and back, for every line); a synchronous write would stall every stream behind a slow
 * log reader. Batches of 4 KiB still made that hand-off every 8 requests (two futex wake-ups and an eventfd
 * write each); at 64 KiB a gateway serving under about 130 requests per 100 ms writes once per 100 ms. A normal exit, a crash included, writes the last batch; a SIGKILL or an OOM kill can lose it.
 * Past 16 MiB waiting (stdout not read), lines are dropped and counted rather than kept in memory.
 */
export function batchedStdout(): DestinationStream {
  const stdout = batchedWriter(1, {
    batchBytes: 64 * 1024,
    flushAfterMs: 100,
    backlogBytes: 16 * 1024 * 1024,
  });
  process.once("exit", () => stdout.flushSync());
  return stdout;
}

export function loggerOptions(
  level: string,
  stream: DestinationStream = batchedStdout(),
): FastifyServerOptions["logger"] {
  return { level, redact: { paths: redactedPaths, censor: "[redacted]" }, stream };
}

/** A request URL as logged: a query string can carry a secret (a key pasted as ?api_key=), so only its presence is. */
export function loggedUrl(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : `${url.slice(0, query)}?[redacted]`;
}
