import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import { hasLimits, type NamedKey } from "../auth/named-key.js";
import { GatewayError } from "../errors.js";
import {
  type Adjustment,
  type BucketSpec,
  type LimitCounters,
  msUntil,
  needed,
  type SlotSpec,
  type TakeResult,
} from "./counters.js";
import { type LimitKind, rateLimitHeaders } from "./headers.js";
import { type RequestPolicy, type TokenUsage, unrestrictedPolicy } from "./request-policy.js";
import type { RouteName } from "./route-names.js";

export interface EnforcerOptions {
  counters: LimitCounters;
  /** RATE_LIMIT_FAIL_OPEN: serve (and log) rather than refuse when the counters cannot be reached. */
  failOpen: boolean;
  log: FastifyBaseLogger;
  now: () => number;
}

type Dialect = "openai" | "anthropic";

const storeUnreachable = () =>
  new GatewayError(
    "unavailable",
    "Rate limits cannot be checked: the gateway's shared limit store is unreachable. Retry shortly.",
    { code: "rate_limit_store_unavailable", retryAfter: 1 },
  );

const forbidden = (message: string, param: string | null = null) =>
  new GatewayError("permission", message, { code: "permission_denied", param });

/** Enforces the scopes and limits of named keys (see "Named keys and limits" in the README). */
export class LimitEnforcer {
  #lastFailOpenLog = 0;

  constructor(private readonly options: EnforcerOptions) {}

  /**
   * Checks the route scope, takes an in-flight slot (given back when the response closes) and a request
   * from the requests-per-minute bucket, sets the requests rate-limit headers, and returns the policy the
   * route asks about its model.
   */
  async admit(
    key: NamedKey,
    route: RouteName | "other" | undefined,
    dialect: Dialect,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<RequestPolicy> {
    if (route !== undefined && key.routes !== undefined && (route === "other" || !key.routes.has(route))) {
      throw forbidden(`This API key may not use the ${route === "other" ? "requested" : route} route.`);
    }
    if (key.models === undefined && !hasLimits(key)) return unrestrictedPolicy(key.name);

    const slot: SlotSpec | undefined =
      key.maxConcurrent === undefined
        ? undefined
        : { id: `${key.name}:concurrent`, max: key.maxConcurrent, holder: request.id };
    const rpm: BucketSpec | undefined =
      key.rpm === undefined ? undefined : { id: `${key.name}:rpm`, capacity: key.rpm, cost: 1 };
    let held = false;
    if (slot !== undefined || rpm !== undefined) {
      // Slot and request in one atomic update (one Redis round trip): a refusal of either charges neither.
      const result = await this.#guarded(
        () => this.options.counters.admit(slot, rpm === undefined ? [] : [rpm]),
        undefined,
      );
      if (result !== undefined && !result.slot) {
        throw new GatewayError(
          "rate_limit",
          `Too many requests in flight for this API key (max_concurrent ${key.maxConcurrent}). Retry when one ends.`,
          { code: "rate_limit_exceeded", retryAfter: 1, headers: { "retry-after-ms": "1000" } },
        );
      }
      // Skipped store (fail open): the slot may still have been taken by an update that timed out.
      held = slot !== undefined && (result === undefined || result.allowed);
      if (rpm !== undefined && result !== undefined)
        this.#limit(dialect, reply, "requests", rpm, result, key);
    }
    return this.#policy(key, dialect, reply, held ? slot : undefined);
  }

  #policy(key: NamedKey, dialect: Dialect, reply: FastifyReply, slot: SlotSpec | undefined): RequestPolicy {
    const counters = this.options.counters;
    let charged: number | undefined;
    let closed = false;
    let correction: Adjustment | undefined;
    if (slot !== undefined) {
      // Streams included: the slot is held until the response is over, however it ends. The token
      // correction known by then goes in the same update.
      reply.raw.once("close", () => {
        closed = true;
        counters.release(slot, correction).catch(() => {});
        correction = undefined;
      });
    }
    return {
      keyName: key.name,
      allowsModel: (...names) => key.models === undefined || names.some((name) => key.models!(name)),
      admitModel: async ({ requested, resolved, estimatedTokens }) => {
        if (key.models !== undefined && !key.models(requested) && !key.models(resolved)) {
          throw forbidden(`This API key may not use the model '${requested}'.`, "model");
        }
        if (key.tpm === undefined || estimatedTokens <= 0) return;
        const bucket = { id: `${key.name}:tpm`, capacity: key.tpm, cost: estimatedTokens };
        const result = await this.#guarded(() => counters.take([bucket]), undefined);
        if (result === undefined) return;
        this.#limit(dialect, reply, "tokens", bucket, result, key);
        charged = estimatedTokens;
      },
      settle: (usage: TokenUsage | undefined) => {
        if (charged === undefined || key.tpm === undefined || usage === undefined) return;
        const used =
          (usage.inputTokens ?? 0) +
          (usage.outputTokens ?? 0) +
          (usage.cacheReadInputTokens ?? 0) +
          (usage.cacheWriteInputTokens ?? 0);
        const delta = used - charged;
        charged = undefined;
        if (delta === 0) return;
        const adjustment = { bucket: { id: `${key.name}:tpm`, capacity: key.tpm }, delta };
        if (slot !== undefined && !closed) {
          correction = adjustment;
          return;
        }
        // After the answer: a store that fails now changes nothing for this request.
        counters.adjust(adjustment).catch(() => {});
      },
    };
  }

  /** Sets a bucket's rate-limit headers from what the store said; 429 when it was short. */
  #limit(
    dialect: Dialect,
    reply: FastifyReply,
    kind: LimitKind,
    bucket: BucketSpec,
    result: TakeResult,
    key: NamedKey,
  ): void {
    const level = result.levels[0] ?? 0;
    const headers = rateLimitHeaders(
      dialect,
      kind,
      { limit: bucket.capacity, remaining: level, resetMs: msUntil(level, bucket.capacity, bucket.capacity) },
      this.options.now(),
    );
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    if (result.allowed) return;
    const waitMs = Math.max(1, msUntil(level, needed(bucket), bucket.capacity));
    const perMinute = kind === "requests" ? "requests per minute (rpm)" : "tokens per minute (tpm)";
    throw new GatewayError(
      "rate_limit",
      `Rate limit reached for API key '${key.name}': ${bucket.capacity} ${perMinute}. Retry in ${Math.ceil(waitMs / 1000)} s.`,
      {
        code: "rate_limit_exceeded",
        retryAfter: Math.ceil(waitMs / 1000),
        headers: { "retry-after-ms": String(waitMs) },
      },
    );
  }

  /** A counter operation; when the store fails, `fallback` (fail open) or a 503 (fail closed). */
  async #guarded<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (!this.options.failOpen) throw storeUnreachable();
      const now = this.options.now();
      if (now - this.#lastFailOpenLog >= 10_000) {
        this.#lastFailOpenLog = now;
        this.options.log.warn(
          { reason: (error as Error).message },
          "limit store unreachable: serving without limits (RATE_LIMIT_FAIL_OPEN=true)",
        );
      }
      return fallback;
    }
  }
}
