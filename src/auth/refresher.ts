import type { FastifyBaseLogger } from "fastify";
import type { AcceptedKeys } from "./accepted-keys.js";
import { type KeySource, KeySourceError } from "./sources/source.js";

export interface RefreshOptions {
  source: KeySource;
  keys: AcceptedKeys;
  intervalMs: number;
  graceSeconds: number;
  log: FastifyBaseLogger;
  now: () => number;
}

/**
 * Re-reads the key source every `intervalMs` (one read at a time: the next is scheduled when the last
 * ends). A failed read keeps the keys accepted so far: never fail open, never crash. Returns a stop function.
 */
export function refreshPeriodically(options: RefreshOptions): () => void {
  const { source, keys, log } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function refresh() {
    try {
      const change = keys.update(await source.read(), options.now());
      if (stopped) return;
      if (change.rotated) {
        log.info(
          { source: source.description, graceSeconds: options.graceSeconds },
          "API key rotated: the new key is accepted; the previous one until the grace period ends",
        );
      }
      if (change.pendingChanged) {
        log.info(
          { source: source.description },
          keys.hasPending
            ? "API key rotation under way: the pending (AWSPENDING) key is accepted too"
            : "no pending API key any more",
        );
      }
    } catch (error) {
      if (stopped) return;
      const problem = error instanceof KeySourceError ? error.message : (error as Error).name;
      log.warn(
        { source: source.description, problem },
        "API key refresh failed; the current key stays in use",
      );
    } finally {
      if (!stopped) schedule();
    }
  }

  function schedule() {
    timer = setTimeout(() => void refresh(), options.intervalMs);
    // A pending refresh must not keep a draining process alive.
    timer.unref();
  }

  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
