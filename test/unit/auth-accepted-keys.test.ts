import { describe, expect, it } from "vitest";
import { AcceptedKeys } from "../../src/auth/accepted-keys.js";
import { digestKey } from "../../src/auth/digest.js";

const [first, second, third] = ["key-one-aaaaaaaaaaaa", "key-two-bbbbbbbbbbbb", "key-three-cccccccccc"];
const digests = (current: string, pending?: string) => ({
  current: digestKey(current),
  pending: pending === undefined ? undefined : digestKey(pending),
});

describe("accepted keys", () => {
  it("accepts the current key only", () => {
    const keys = new AcceptedKeys(digests(first), 60_000);
    expect(keys.accepts(first, 0)).toBe(true);
    expect(keys.accepts(second, 0)).toBe(false);
    expect(keys.accepts(`${first} `, 0)).toBe(false);
    expect(keys.accepts(first.slice(0, -1), 0)).toBe(false);
    expect(keys.accepts("", 0)).toBe(false);
  });

  it("keeps the previous key for the grace period after a rotation, then refuses it", () => {
    const keys = new AcceptedKeys(digests(first), 60_000);
    expect(keys.update(digests(second), 1_000)).toEqual({ rotated: true, pendingChanged: false });
    expect(keys.accepts(second, 1_000)).toBe(true);
    expect(keys.accepts(first, 60_999)).toBe(true);
    expect(keys.accepts(first, 61_000)).toBe(false);
    expect(keys.accepts(second, 61_000)).toBe(true);
  });

  it("keeps one previous key: a second rotation drops the oldest at once", () => {
    const keys = new AcceptedKeys(digests(first), 60_000);
    keys.update(digests(second), 0);
    keys.update(digests(third), 1);
    expect(keys.accepts(first, 2)).toBe(false);
    expect(keys.accepts(second, 2)).toBe(true);
    expect(keys.accepts(third, 2)).toBe(true);
  });

  it("with no grace refuses the previous key immediately", () => {
    const keys = new AcceptedKeys(digests(first), 0);
    keys.update(digests(second), 5);
    expect(keys.accepts(first, 5)).toBe(false);
  });

  it("an unchanged reading changes nothing", () => {
    const keys = new AcceptedKeys(digests(first), 60_000);
    expect(keys.update(digests(first), 10)).toEqual({ rotated: false, pendingChanged: false });
    expect(keys.accepts(second, 10)).toBe(false);
  });

  it("accepts a pending key during a rotation and keeps the old one in grace once it completes", () => {
    const keys = new AcceptedKeys(digests(first), 60_000);
    expect(keys.update(digests(first, second), 0)).toEqual({ rotated: false, pendingChanged: true });
    expect(keys.hasPending).toBe(true);
    expect(keys.accepts(second, 0)).toBe(true);
    expect(keys.accepts(first, 0)).toBe(true);
    // The rotation finishes: the pending version becomes current and the label goes away.
    expect(keys.update(digests(second), 100)).toEqual({ rotated: true, pendingChanged: true });
    expect(keys.hasPending).toBe(false);
    expect(keys.accepts(first, 60_099)).toBe(true);
    expect(keys.accepts(first, 60_100)).toBe(false);
  });

  it("ignores a pending version equal to the current one", () => {
    const keys = new AcceptedKeys(digests(first, first), 60_000);
    expect(keys.hasPending).toBe(false);
  });
});

describe("digests", () => {
  it("are salted: 32 bytes that are not the plain SHA-256 of the key", async () => {
    const { createHash } = await import("node:crypto");
    const digest = digestKey(first);
    expect(digest).toHaveLength(32);
    expect(digest.equals(createHash("sha256").update(first).digest())).toBe(false);
    expect(digest.toString("latin1")).not.toContain(first);
  });
});
