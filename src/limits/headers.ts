export type LimitKind = "requests" | "tokens";

/** OpenAI's reset durations: "20ms", "6s", "1.5s", "6m0s". */
export function openAiDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round((seconds - minutes * 60) * 10) / 10}s`;
}

/**
 * The rate-limit headers each dialect's clients read, for one bucket: its limit, what remains, and when it
 * is full again (OpenAI: a duration; Anthropic: an RFC 3339 time).
 */
export function rateLimitHeaders(
  dialect: "openai" | "anthropic",
  kind: LimitKind,
  bucket: { limit: number; remaining: number; resetMs: number },
  now: number,
): Record<string, string> {
  const remaining = String(Math.max(0, Math.floor(bucket.remaining)));
  if (dialect === "openai") {
    return {
      [`x-ratelimit-limit-${kind}`]: String(bucket.limit),
      [`x-ratelimit-remaining-${kind}`]: remaining,
      [`x-ratelimit-reset-${kind}`]: openAiDuration(bucket.resetMs),
    };
  }
  const reset = new Date(Math.ceil((now + bucket.resetMs) / 1000) * 1000).toISOString().replace(".000Z", "Z");
  return {
    [`anthropic-ratelimit-${kind}-limit`]: String(bucket.limit),
    [`anthropic-ratelimit-${kind}-remaining`]: remaining,
    [`anthropic-ratelimit-${kind}-reset`]: reset,
  };
}
