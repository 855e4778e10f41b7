/** The running total of one request's images and documents went past MAX_INPUT_FILES_TOTAL_SIZE. */
export class MediaBudgetExceeded extends Error {
  override name = "MediaBudgetExceeded";
  constructor(readonly limit: number) {
    super(`images and documents of one request larger than ${limit} bytes in total`);
  }
}

/**
 * The bytes one request may hold in images and documents, downloaded or inline. Every source charges it as
 * its bytes arrive (a download chunk by chunk), so the request fails as soon as the total passes the limit,
 * not once everything sits in memory.
 */
export interface MediaBudget {
  /** Counts `bytes` more; throws MediaBudgetExceeded once the total passes the limit. */
  charge(bytes: number): void;
}

export function mediaBudget(limit: number): MediaBudget {
  let used = 0;
  return {
    charge(bytes) {
      used += bytes;
      if (used > limit) throw new MediaBudgetExceeded(limit);
    },
  };
}
