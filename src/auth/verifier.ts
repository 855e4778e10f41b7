import type { FastifyBaseLogger } from "fastify";
import type { NamedKey } from "./named-key.js";

/** Decides whether a presented API key is accepted, and as which named key. Holds digests only, never a key. */
export interface KeyVerifier {
  /** The named key `presented` is at time `now` (ms since the epoch), or undefined when it is not accepted. */
  verify(presented: string, now: number): NamedKey | undefined;
  /** Starts re-reading the key sources, if they can change; outcomes are logged through `log`. */
  start(log: FastifyBaseLogger, now: () => number): void;
  /** Stops re-reading and releases the sources' AWS clients. */
  stop(): void;
}
