import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { type BufferedEvents, canTakeBuffered } from "./buffered-events.js";
import type { CallWatch } from "./call-watch.js";
import type { StreamObserver } from "./transport.js";

const over: IteratorResult<ConverseStreamOutput> = { done: true, value: undefined };

/**
 * A ConverseStream's events with Bedrock's silence bounded: while the consumer waits for the next event, at
 * most `silenceMs` may pass before the call is cut with `silence()`; the time the consumer spends between
 * events (a slow client) does not count. The observer sees each event as it is handed out, and the end
 * exactly once: read to the end, failed, cut, left early, or abandoned (the call's signal aborted).
 *
 * Written out rather than as an async generator around a per-step race: one timer for the whole stream,
 * re-armed with refresh(), and one listener for a cut, where a generator and a race cost a timer, a listener
 * and several promises per event, nearly all of a stream's work in the gateway.
 */
export class WatchedEvents
  implements AsyncIterableIterator<ConverseStreamOutput>, BufferedEvents<ConverseStreamOutput>
{
  private readonly inner: AsyncIterator<ConverseStreamOutput>;
  private timer: NodeJS.Timeout | undefined;
  private waiting = false;
  private ended = false;
  private rejectStep: ((reason: Error) => void) | undefined;

  constructor(
    events: AsyncIterable<ConverseStreamOutput>,
    private readonly watch: CallWatch,
    private readonly silenceMs: number,
    private readonly silence: () => Error,
    private readonly observer: StreamObserver,
  ) {
    this.inner = events[Symbol.asyncIterator]();
    watch.onCut((reason) => this.rejectStep?.(reason));
    // Abandoned: the client went away, possibly before anyone started reading.
    if (watch.signal.aborted) this.end(undefined);
    else watch.signal.addEventListener("abort", this.onAbort, { once: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<ConverseStreamOutput>> {
    if (this.watch.reason) return Promise.reject(this.fail(this.watch.reason));
    if (this.ended) return Promise.resolve(over);
    this.waiting = true;
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(this.onTimer, this.silenceMs);
    return new Promise<IteratorResult<ConverseStreamOutput>>((resolve, reject) => {
      this.rejectStep = (reason) => {
        this.settled();
        reject(this.fail(reason));
      };
      this.inner.next().then(
        (step) => {
          if (!this.waiting) return; // cut meanwhile: already rejected
          this.settled();
          if (step.done) this.end(undefined);
          else this.observer.event(step.value);
          resolve(step);
        },
        (error: unknown) => {
          if (!this.waiting) return;
          this.settled();
          // The transport's own AbortError after a cut says less than the reason for the cut.
          reject(this.fail(this.watch.reason ?? error));
        },
      );
    });
  }

  /** An event already in hand: nobody waits for Bedrock, so the silence clock is not involved. */
  nextBuffered(): ConverseStreamOutput | undefined {
    if (this.ended || this.waiting || this.watch.reason || !canTakeBuffered(this.inner)) return undefined;
    const event = this.inner.nextBuffered();
    if (event !== undefined) this.observer.event(event);
    return event;
  }

  return(): Promise<IteratorResult<ConverseStreamOutput>> {
    if (this.ended) return Promise.resolve(over);
    const stepPending = this.waiting;
    this.end(undefined);
    // A step still pending belongs to a call already aborted; asking the stream to return would wait for it.
    if (stepPending) {
      this.inner.return?.().catch(() => {});
      return Promise.resolve(over);
    }
    return this.inner.return ? this.inner.return().then(() => over) : Promise.resolve(over);
  }

  private readonly onTimer = () => {
    if (this.waiting) this.watch.cut(this.silence());
  };

  private readonly onAbort = () => this.end(undefined);

  private settled(): void {
    this.waiting = false;
    this.rejectStep = undefined;
  }

  private fail(error: unknown): unknown {
    this.end(error);
    return error;
  }

  private end(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.watch.signal.removeEventListener("abort", this.onAbort);
    this.observer.end(error);
  }
}
