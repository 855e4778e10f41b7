import type { FastifyBaseLogger } from "fastify";

/** Decides whether a presented API key is accepted. Holds digests only, never a key. */
export interface KeyVerifier {
  /** Whether `presented` is an accepted key at time `now` (ms since the epoch). */
  verify(presented: string, now: number): boolean;
  /** Starts re-reading the key source, if it has one; outcomes are logged through `log`. */
  start(log: FastifyBaseLogger, now: () => number): void;
  /** Stops re-reading and releases the source's AWS client. */
  stop(): void;
}
