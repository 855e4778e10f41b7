export type LimitKind = "requests" | "tokens";

/** OpenAI's reset durations: "20ms", "6s", "1.5s", "6m0s". */
export function openAiDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round((seconds - minutes * 60) * 10) / 10}s`;
}

/** The three header names of each dialect and kind, built once rather than per answer. */
const headerNames = {
  openai: {
    requests: ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"],
    tokens: ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"],
  },
  anthropic: {
    requests: [
      "anthropic-ratelimit-requests-limit",
      "anthropic-ratelimit-requests-remaining",
      "anthropic-ratelimit-requests-reset",
    ],
    tokens: [
      "anthropic-ratelimit-tokens-limit",
      "anthropic-ratelimit-tokens-remaining",
      "anthropic-ratelimit-tokens-reset",
    ],
  },
} as const;

/** Something headers can be set on (Fastify's reply). */
export interface HeaderTarget {
  header(name: string, value: string): unknown;
}

/**
 * The rate-limit headers each dialect's clients read, for one bucket: its limit, what remains, and when it is
 * full again (OpenAI: a duration; Anthropic: an RFC 3339 time to the second, rounded up). Written straight
 * onto `target` on every answer: the header names are constants, and the reset value is turned into text only when it differs from the previous answer's (under
 * load most answers of a bucket far from empty say the same "0ms", or the same second).
 */
export class RateLimitHeaderWriter {
  #lastResetMs = Number.NaN;
  #lastReset = "";
  #lastResetSecond = Number.NaN;
  #lastResetTime = "";

  write(
    target: HeaderTarget,
    dialect: "openai" | "anthropic",
    kind: LimitKind,
    limit: string,
    remaining: number,
    resetMs: number,
    now: () => number,
  ): void {
    const names = headerNames[dialect][kind];
    target.header(names[0], limit);
    target.header(names[1], `${Math.max(0, Math.floor(remaining))}`);
    target.header(names[2], dialect === "openai" ? this.#duration(resetMs) : this.#time(now() + resetMs));
  }

  #duration(ms: number): string {
    if (ms !== this.#lastResetMs) {
      this.#lastResetMs = ms;
      this.#lastReset = openAiDuration(ms);
    }
    return this.#lastReset;
  }

  /** RFC 3339 to the second, rounded up, as rateLimitHeaders gives it. */
  #time(at: number): string {
    const second = Math.ceil(at / 1000);
    if (second !== this.#lastResetSecond) {
      this.#lastResetSecond = second;
      this.#lastResetTime = new Date(second * 1000).toISOString().replace(".000Z", "Z");
    }
    return this.#lastResetTime;
  }
}
