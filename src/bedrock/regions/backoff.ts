import type { RegionalFailure } from "./failure-kind.js";

const quotaFirstMs = 60_000;
const quotaLongestMs = 3_600_000;
const unavailableMs = 30_000;

interface Rest {
  until: number;
  failure: RegionalFailure;
  /** The next quota rest, doubled by each quota failure in a row (60 s up to 1 h). */
  nextQuotaMs: number;
}

/**
 * Where not to send calls for a while: a region (for one model) that throttled rests 60 s, doubling with each
 * throttle in a row up to an hour; one that was unavailable rests 30 s. A success ends the doubling.
 */
export class RegionBackoff {
  private readonly rests = new Map<string, Rest>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The rest in force for `key`, if any. */
  resting(key: string): Rest | undefined {
    const rest = this.rests.get(key);
    // An expired rest stays recorded, so a throttle right after it still doubles the next one.
    return rest !== undefined && rest.until > this.now() ? rest : undefined;
  }

  failed(key: string, failure: RegionalFailure): void {
    const previous = this.rests.get(key);
    if (failure === "quota") {
      const ms = previous?.failure === "quota" ? previous.nextQuotaMs : quotaFirstMs;
      this.rests.set(key, {
        until: this.now() + ms,
        failure,
        nextQuotaMs: Math.min(ms * 2, quotaLongestMs),
      });
    } else {
      this.rests.set(key, { until: this.now() + unavailableMs, failure, nextQuotaMs: quotaFirstMs });
    }
    // Bounded: model ids come from clients.
    if (this.rests.size > 10_000) this.forgetExpired();
  }

  succeeded(key: string): void {
    this.rests.delete(key);
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, rest] of this.rests) if (rest.until <= now) this.rests.delete(key);
    if (this.rests.size > 10_000) this.rests.clear();
  }
}
