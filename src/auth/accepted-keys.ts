import { digestKey, matchesAny } from "./digest.js";

/** What the key source says now, as digests: the key in use and, during a rotation, the next one. */
export interface KeyDigests {
  current: Buffer;
  pending: Buffer | undefined;
}

export interface KeyChange {
  /** The current key was replaced; the one before stays valid until the grace period ends. */
  rotated: boolean;
  /** A next key (Secrets Manager AWSPENDING) appeared, changed or went away. */
  pendingChanged: boolean;
}

/**
 * The keys accepted at a given moment: the current one, a pending one while a rotation is under way,
 * and the previous one until its grace period ends. Only digests are held.
 */
export class AcceptedKeys {
  #current: Buffer;
  #pending: Buffer | undefined;
  #previous: { digest: Buffer; until: number } | undefined;

  constructor(
    initial: KeyDigests,
    private readonly graceMs: number,
  ) {
    this.#current = initial.current;
    this.#pending = this.#distinctPending(initial.pending);
  }

  accepts(presented: string, now: number): boolean {
    const accepted = [this.#current];
    if (this.#pending) accepted.push(this.#pending);
    if (this.#previous && now < this.#previous.until) accepted.push(this.#previous.digest);
    return matchesAny(digestKey(presented), accepted);
  }

  update(next: KeyDigests, now: number): KeyChange {
    const rotated = !this.#current.equals(next.current);
    if (rotated) {
      this.#previous = { digest: this.#current, until: now + this.graceMs };
      this.#current = next.current;
    }
    const pending = this.#distinctPending(next.pending);
    const pendingChanged = !sameDigest(pending, this.#pending);
    this.#pending = pending;
    return { rotated, pendingChanged };
  }

  get hasPending(): boolean {
    return this.#pending !== undefined;
  }

  /** A pending version equal to the current one (a finished rotation may leave the label) adds nothing. */
  #distinctPending(pending: Buffer | undefined): Buffer | undefined {
    return pending && !pending.equals(this.#current) ? pending : undefined;
  }
}

function sameDigest(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}
