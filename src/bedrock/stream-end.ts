/**
 * `events`, calling `ended` exactly once when the stream is over for whatever reason: read to the end,
 * failed, left early by its consumer, or abandoned (the call's signal aborted: the client went away, possibly
 * before anyone started reading). What holds a resource for the length of a stream releases it here.
 */
export async function* onStreamEnd<T>(
  events: AsyncIterable<T>,
  signal: AbortSignal | undefined,
  ended: () => void,
): AsyncGenerator<T> {
  let done = false;
  const endOnce = () => {
    if (done) return;
    done = true;
    signal?.removeEventListener("abort", endOnce);
    ended();
  };
  if (signal?.aborted) endOnce();
  else signal?.addEventListener("abort", endOnce, { once: true });
  try {
    yield* events;
  } finally {
    endOnce();
  }
}
