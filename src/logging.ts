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

/** Lines are held until this many bytes have gathered, or until the next flush tick. */
const LOG_BUFFER_BYTES = 4096;
/** How late a line can reach stdout on a quiet gateway. */
const LOG_FLUSH_INTERVAL_MS = 100;
/** Past this, a stalled stdout reader costs log lines rather than the gateway's memory. */
const LOG_BACKLOG_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Log lines go to stdout in batches, asynchronously. A write per line cost about 0.1 ms of CPU per request at
 * concurrency 1 (a hand-off to libuv's thread pool and back, for every line); a synchronous write would stall
 * every stream behind a slow log reader. Batching means a SIGKILL or an OOM kill loses at most one batch
 * (4 KiB or 100 ms of lines); on a normal exit, a crash included, pino flushes the batch synchronously.
 */
export function batchedStdout(): DestinationStream {
  const stdout = pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_BUFFER_BYTES,
    maxLength: LOG_BACKLOG_LIMIT_BYTES,
  });
  // A flush is scheduled by the first line after one: a quiet gateway has no timer waking it (sonic-boom's own
  // periodicFlush ticks, and writes, whether or not anything is buffered).
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    stdout.flush();
  };
  return {
    write(line: string) {
      stdout.write(line);
      if (flushScheduled) return;
      flushScheduled = true;
      setTimeout(flush, LOG_FLUSH_INTERVAL_MS).unref();
    },
  };
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
