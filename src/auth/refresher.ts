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
  return repeatEvery(options.intervalMs, async (stopped) => {
    try {
      const change = keys.update(await source.read(), options.now());
      if (stopped()) return;
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
      if (stopped()) return;
      const problem = error instanceof KeySourceError ? error.message : (error as Error).name;
      log.warn(
        { source: source.description, problem },
        "API key refresh failed; the current key stays in use",
      );
    }
  });
}

/**
 * Runs `task` every `intervalMs`, one run at a time: the next is scheduled when the last ends. `task` must
 * not throw; it is told whether the returned stop function was called meanwhile. Returns that function.
 */
export function repeatEvery(intervalMs: number, task: (stopped: () => boolean) => Promise<void>): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const isStopped = () => stopped;

  function schedule() {
    timer = setTimeout(() => {
      void task(isStopped).finally(() => {
        if (!stopped) schedule();
      });
    }, intervalMs);
    // A pending refresh must not keep a draining process alive.
    timer.unref();
  }

  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
