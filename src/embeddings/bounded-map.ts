/**
 * Runs `work` on every item with at most `limit` running at once and returns the results in the items'
 * order, whatever order they finish in. On the first failure the others are aborted (through the signal
 * each one is given) and, once every started call has settled, that first error is thrown: no call is
 * left running behind the caller's back. Aborting `signal` aborts them all the same way.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  work: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  if (signal.aborted) abort();
  else signal.addEventListener("abort", abort, { once: true });

  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, controller.signal);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          controller.abort();
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  } finally {
    signal.removeEventListener("abort", abort);
  }
  if (failure !== undefined) throw failure.error;
  return results;
}
