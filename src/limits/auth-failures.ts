import type { FastifyBaseLogger } from "fastify";
import { GatewayError } from "../errors.js";
import type { LimitCounters } from "./counters.js";
import { MINUTE_MS } from "./counters.js";
import { memoryCounters } from "./memory-counters.js";

/** Beyond this many blocked addresses, expired blocks are swept before another is added. */
const maxBlocked = 100_000;

/**
 * Brute-force guard: failed authentications (a wrong key) are counted per client IP in one-minute windows,
 * in the shared counters so every instance adds to one count. An address that reaches the limit is blocked
 * here until its window ends: its requests get 429 before any key is compared, at no cost to the store.
 * Another instance blocks it at that address's next failure there.
 */
export class AuthFailureGuard {
  readonly #blocked = new Map<string, number>();
  // Counts kept here while the shared store is unreachable: the guard never fails open.
  readonly #fallback = memoryCounters();

  constructor(
    private readonly limit: number,
    private readonly counters: LimitCounters,
    private readonly now: () => number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Throws 429 when `ip` is blocked. */
  check(ip: string): void {
    const until = this.#blocked.get(ip);
    if (until === undefined) return;
    const left = until - this.now();
    if (left <= 0) {
      this.#blocked.delete(ip);
      return;
    }
    throw new GatewayError("rate_limit", "Too many failed authentications from this address. Retry later.", {
      code: "too_many_authentication_failures",
      retryAfter: Math.ceil(left / 1000),
      headers: { connection: "close" },
    });
  }

  async failed(ip: string): Promise<void> {
    const id = `auth-failures:${ip}`;
    const window = await this.counters.count(id, MINUTE_MS).catch(() => this.#fallback.count(id, MINUTE_MS));
    if (window.count < this.limit) return;
    if (this.#blocked.size >= maxBlocked) {
      const now = this.now();
      for (const [address, until] of this.#blocked) if (until <= now) this.#blocked.delete(address);
      // Still full: the oldest blocks go first (a Map iterates in insertion order).
      for (const address of this.#blocked.keys()) {
        if (this.#blocked.size < maxBlocked) break;
        this.#blocked.delete(address);
      }
    }
    if (!this.#blocked.has(ip)) {
      this.log.warn({ ip, failures: window.count }, "too many failed authentications: address blocked");
    }
    this.#blocked.set(ip, this.now() + window.resetMs);
  }
}
