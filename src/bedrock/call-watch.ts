/**
 * One Bedrock call's own AbortController, linked to the caller's signal (the client went away) and aborted
 * too when the call is cut short from inside the gateway (a deadline, a shutdown). `race` settles a step of
 * the call (the answer, or the next stream event) as soon as the call is cut, without waiting for the
 * transport to notice the abort: the bound holds even if a transport ignores it.
 */
export class CallWatch {
  readonly controller = new AbortController();
  private readonly cutListeners = new Set<(reason: Error) => void>();
  private cutReason: Error | undefined;

  constructor(private readonly caller: AbortSignal | undefined) {
    if (caller?.aborted) this.controller.abort(caller.reason);
    else caller?.addEventListener("abort", this.onCallerAbort, { once: true });
  }

  private readonly onCallerAbort = () => this.controller.abort(this.caller?.reason);

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the call was cut, once it has been. */
  get reason(): Error | undefined {
    return this.cutReason;
  }

  /** Calls `listener` if the call is cut, for as long as the call lasts (`race` listens per step instead). */
  onCut(listener: (reason: Error) => void): void {
    this.cutListeners.add(listener);
  }

  /** Ends the call with `reason`: the pending step rejects with it and the upstream request is aborted. */
  cut(reason: Error): void {
    if (this.cutReason) return;
    this.cutReason = reason;
    for (const listener of this.cutListeners) listener(reason);
    this.controller.abort(reason);
  }

  /** `step`, unless the call is cut first (or `silenceMs` pass without it settling: then it is cut with `onSilence()`). */
  race<T>(step: Promise<T>, silenceMs?: number, onSilence?: () => Error): Promise<T> {
    if (this.cutReason) {
      step.catch(() => {});
      return Promise.reject(this.cutReason);
    }
    return new Promise<T>((resolve, reject) => {
      const timer =
        silenceMs === undefined || onSilence === undefined
          ? undefined
          : setTimeout(() => this.cut(onSilence()), silenceMs);
      const onCut = (reason: Error) => {
        settle();
        reject(reason);
      };
      const settle = () => {
        if (timer) clearTimeout(timer);
        this.cutListeners.delete(onCut);
      };
      this.cutListeners.add(onCut);
      step.then(
        (value) => {
          settle();
          if (this.cutReason) reject(this.cutReason);
          else resolve(value);
        },
        (error: unknown) => {
          settle();
          // The transport's own AbortError after a cut says less than the reason for the cut.
          reject(this.cutReason ?? error);
        },
      );
    });
  }

  /** The call is over: stop listening to the caller's signal. */
  end(): void {
    this.caller?.removeEventListener("abort", this.onCallerAbort);
  }
}
