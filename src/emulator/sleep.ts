import { setTimeout as delay } from "node:timers/promises";

/**
 * Waits `ms`, or less if the client goes away meanwhile. Resolves true when the full wait elapsed,
 * false when cut short, so a stalled handler can stop instead of answering nobody.
 */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
