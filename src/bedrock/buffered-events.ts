/**
 * A stream's events that can also be taken synchronously while their bytes are already in hand. One network
 * read from Bedrock usually carries many events; awaiting `next()` for each costs a promise and several
 * microtasks per event, most of what a delta costs the gateway. A consumer takes `nextBuffered()` until it
 * returns undefined and only then awaits `next()`, so it pays one await per read instead of one per event.
 */
export interface BufferedEvents<T> extends AsyncIterator<T> {
  /**
   * The next event if it can be handed out now, seen by the stream's observers exactly as `next()` would
   * hand it out. Undefined when `next()` must be awaited: nothing whole is buffered, or the stream has
   * ended, failed or been cut (`next()` then reports that, in order after the events before it).
   */
  nextBuffered(): T | undefined;
}

/** The iterator's `nextBuffered`, if it has one. */
export function canTakeBuffered<T>(iterator: AsyncIterator<T>): iterator is BufferedEvents<T> {
  return typeof (iterator as Partial<BufferedEvents<T>>).nextBuffered === "function";
}
