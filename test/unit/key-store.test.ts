import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyStore } from "../../src/auth/key-store.js";
import { openAiDuration, RateLimitHeaderWriter } from "../../src/limits/headers.js";
import { memoryCounters } from "../../src/limits/memory-counters.js";
import { modelScope } from "../../src/limits/model-globs.js";
import { routeNameOf } from "../../src/limits/route-names.js";

const sha = (key: string) => createHash("sha256").update(key).digest("hex");
const store = (entries: unknown[]) => KeyStore.parse(JSON.stringify(entries));

describe("the key store document", () => {
  it("finds a key by its digest, as the named key with its scopes and limits", () => {
    const keys = store([
      { name: "team-a", sha256: sha("aegis_a"), models: ["amazon.nova-*"], routes: ["chat"], rpm: 10 },
      { name: "team-b", sha256: sha("aegis_b").toUpperCase(), tpm: 1000, max_concurrent: 2 },
    ]);
    const a = keys.find("aegis_a", Date.now());
    expect(a).toMatchObject({ name: "team-a", rpm: 10, tpm: undefined, maxConcurrent: undefined });
    expect(a?.models?.("amazon.nova-micro-v1:0")).toBe(true);
    expect(a?.models?.("anthropic.claude-3-haiku")).toBe(false);
    expect([...(a?.routes ?? [])]).toEqual(["chat"]);
    expect(keys.find("aegis_b", Date.now())).toMatchObject({ name: "team-b", tpm: 1000, maxConcurrent: 2 });
    expect(keys.find("aegis_c", Date.now())).toBeUndefined();
    expect(keys.find(sha("aegis_a"), Date.now()), "the digest itself is not a key").toBeUndefined();
  });

  it("refuses disabled keys, and expired ones from their expiry on", () => {
    const keys = store([
      { name: "off", sha256: sha("k1"), disabled: true },
      { name: "dated", sha256: sha("k2"), expires_at: "2030-01-01T00:00:00Z" },
    ]);
    expect(keys.find("k1", 0)).toBeUndefined();
    expect(keys.find("k2", Date.parse("2029-12-31T23:59:59Z"))?.name).toBe("dated");
    expect(keys.find("k2", Date.parse("2030-01-01T00:00:00Z"))).toBeUndefined();
  });

  it.each([
    ["{", /^it is not valid JSON$/],
    ['{"name":"x"}', /^it must be a JSON list/],
  ])("refuses a document that is not a list: %s", (text, message) => {
    expect(() => KeyStore.parse(text)).toThrow(message);
  });

  it.each([
    [[{ name: "a", sha256: "abc" }], /^entry 0 \("a"\): sha256: must be the key's SHA-256 digest/],
    [
      [
        { name: "a", sha256: sha("1") },
        { name: "b", sha256: sha("2"), rpm: 0 },
      ],
      /^entry 1 \("b"\): rpm: must be at least 1/,
    ],
    [[{ name: "a", sha256: sha("1"), rpm: 1.5 }], /^entry 0 \("a"\): rpm: must be a whole number/],
    [
      [{ name: "a", sha256: sha("1"), routes: ["chat", "admin"] }],
      /^entry 0 \("a"\): routes\.1: must be one of chat/,
    ],
    [[{ name: "a", sha256: sha("1"), rmp: 10 }], /^entry 0 \("a"\): unknown field rmp$/],
    [[{ name: "a b", sha256: sha("1") }], /^entry 0: name: must be 1-64 letters/],
    [
      [{ name: "a", sha256: sha("1"), guardrail: { identifier: "Not-An-Id", version: "1" } }],
      /^entry 0 \("a"\): guardrail\.identifier: must be a guardrail id/,
    ],
    [
      [{ name: "a", sha256: sha("1"), guardrail: { identifier: "abc123" } }],
      /^entry 0 \("a"\): guardrail\.version: must be a string/,
    ],
    [
      [{ name: "a", sha256: sha("1"), guardrail: { identifier: "abc123", version: "1", trace: "on" } }],
      /^entry 0 \("a"\): guardrail: unknown field trace$/,
    ],
    [
      [{ name: "a", sha256: sha("1"), expires_at: "tomorrow" }],
      /^entry 0 \("a"\): expires_at: must be an ISO 8601/,
    ],
    [
      [
        { name: "a", sha256: sha("1") },
        { name: "a", sha256: sha("2") },
      ],
      /^entry 1 \("a"\): name: another entry/,
    ],
    [
      [
        { name: "a", sha256: sha("1") },
        { name: "b", sha256: sha("1") },
      ],
      /^entry 1 \("b"\): sha256: another entry/,
    ],
    [
      [{ name: "default", sha256: sha("1") }],
      /^entry 0 \("default"\): name: "default" is the name of the single/,
    ],
    [[{ name: "a", key: "aegis_plain" }], /^entry 0 \("a"\): key: the store holds digests only/],
  ])("names the entry and field of a bad entry: %j", (entries, message) => {
    expect(() => store(entries)).toThrow(message);
  });

  it("never repeats a value in its messages", () => {
    try {
      store([{ name: "aegis_secretlooking value", sha256: "aegis_secretlooking" }]);
      expect.fail("accepted");
    } catch (error) {
      expect(String(error)).not.toContain("secretlooking");
    }
  });
});

describe("scopes", () => {
  it("model globs: * any run, ? one character, everything else literal", () => {
    const scope = modelScope(["amazon.nova-*", "claude-?-haiku", "exact.model"]);
    expect(scope("amazon.nova-micro-v1:0")).toBe(true);
    expect(scope("amazonXnova-micro")).toBe(false);
    expect(scope("claude-3-haiku")).toBe(true);
    expect(scope("claude-35-haiku")).toBe(false);
    expect(scope("exact.model")).toBe(true);
    expect(scope("exact.model2")).toBe(false);
  });

  it("route names from registered route patterns, whatever the prefix", () => {
    expect(routeNameOf("/v1/chat/completions")).toBe("chat");
    expect(routeNameOf("/anthropic/v1/messages")).toBe("messages");
    expect(routeNameOf("/anthropic/v1/messages/count_tokens")).toBe("count_tokens");
    expect(routeNameOf("/anthropic/v1/models/*")).toBe("models");
    expect(routeNameOf("/v1/responses/*")).toBe("responses");
    expect(routeNameOf("/v1/responses/:id/input_items")).toBe("responses");
    expect(routeNameOf("/v1/models/:id")).toBe("models");
    expect(routeNameOf("/v1/files")).toBe("other");
    expect(routeNameOf(undefined)).toBeUndefined();
  });
});

describe("token buckets in memory", () => {
  it("take the cost from every bucket or from none, refill at capacity per minute", async () => {
    let now = 0;
    const counters = memoryCounters(() => now);
    const rpm = { id: "k:rpm", capacity: 2, cost: 1 };
    expect((await counters.take([rpm])).levels).toEqual([1]);
    expect((await counters.take([rpm])).allowed).toBe(true);
    const refused = await counters.take([rpm, { id: "k:tpm", capacity: 100, cost: 5 }]);
    expect(refused).toEqual({ allowed: false, levels: [0, 100], leased: [0, 0] });
    now += 30_000;
    expect((await counters.take([rpm])).allowed).toBe(true);
    await counters.adjust({ bucket: { id: "k:tpm", capacity: 100 }, delta: 150 });
    expect((await counters.take([{ id: "k:tpm", capacity: 100, cost: 1 }])).allowed).toBe(false);
  });
});

describe("rate-limit headers", () => {
  it("in each dialect's format", () => {
    expect(openAiDuration(20)).toBe("20ms");
    expect(openAiDuration(6000)).toBe("6s");
    expect(openAiDuration(90_000)).toBe("1m30s");
    /** The headers the writer sets for one bucket, as an object. */
    const written = (
      dialect: "openai" | "anthropic",
      kind: "requests" | "tokens",
      bucket: { limit: number; remaining: number; resetMs: number },
      now: number,
    ) => {
      const headers: Record<string, string> = {};
      const target = { header: (name: string, value: string) => (headers[name] = value) };
      new RateLimitHeaderWriter().write(
        target,
        dialect,
        kind,
        String(bucket.limit),
        bucket.remaining,
        bucket.resetMs,
        () => now,
      );
      return headers;
    };
    expect(written("openai", "requests", { limit: 10, remaining: 8.7, resetMs: 7800 }, 0)).toEqual({
      "x-ratelimit-limit-requests": "10",
      "x-ratelimit-remaining-requests": "8",
      "x-ratelimit-reset-requests": "7.8s",
    });
    expect(written("anthropic", "tokens", { limit: 1000, remaining: -3, resetMs: 1500 }, 0)).toEqual({
      "anthropic-ratelimit-tokens-limit": "1000",
      "anthropic-ratelimit-tokens-remaining": "0",
      "anthropic-ratelimit-tokens-reset": "1970-01-01T00:00:02Z",
    });
  });
});
