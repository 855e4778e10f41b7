import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import { hasLimits, type NamedKey } from "../auth/named-key.js";
import { GatewayError } from "../errors.js";
import { type BucketSpec, type LimitCounters, msUntil, needed } from "./counters.js";
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

    if (key.maxConcurrent !== undefined) {
      const slot = `${key.name}:concurrent`;
      const taken = await this.#guarded(
        () => this.options.counters.acquire(slot, key.maxConcurrent!, request.id),
        true,
      );
      if (!taken) {
        throw new GatewayError(
          "rate_limit",
          `Too many requests in flight for this API key (max_concurrent ${key.maxConcurrent}). Retry when one ends.`,
          { code: "rate_limit_exceeded", retryAfter: 1, headers: { "retry-after-ms": "1000" } },
        );
      }
      // Streams included: the slot is held until the response is over, however it ends.
      reply.raw.once("close", () => {
        this.options.counters.release(slot, request.id).catch(() => {});
      });
    }
    if (key.rpm !== undefined) {
      await this.#take(
        dialect,
        reply,
        "requests",
        { id: `${key.name}:rpm`, capacity: key.rpm, cost: 1 },
        key,
      );
    }
    return this.#policy(key, dialect, reply);
  }

  #policy(key: NamedKey, dialect: Dialect, reply: FastifyReply): RequestPolicy {
    let charged: number | undefined;
    return {
      keyName: key.name,
      allowsModel: (...names) => key.models === undefined || names.some((name) => key.models!(name)),
      admitModel: async ({ requested, resolved, estimatedTokens }) => {
        if (key.models !== undefined && !key.models(requested) && !key.models(resolved)) {
          throw forbidden(`This API key may not use the model '${requested}'.`, "model");
        }
        if (key.tpm === undefined || estimatedTokens <= 0) return;
        const bucket = { id: `${key.name}:tpm`, capacity: key.tpm, cost: estimatedTokens };
        charged = (await this.#take(dialect, reply, "tokens", bucket, key)) ? estimatedTokens : undefined;
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
        // After the answer: a store that fails now changes nothing for this request.
        this.options.counters.adjust({ id: `${key.name}:tpm`, capacity: key.tpm }, delta).catch(() => {});
      },
    };
  }

  /** Takes from one bucket, setting its headers; 429 when it is short. False when the store was skipped. */
  async #take(dialect: Dialect, reply: FastifyReply, kind: LimitKind, bucket: BucketSpec, key: NamedKey) {
    const result = await this.#guarded(() => this.options.counters.take([bucket]), undefined);
    if (result === undefined) return false;
    const level = result.levels[0] ?? 0;
    const headers = rateLimitHeaders(
      dialect,
      kind,
      { limit: bucket.capacity, remaining: level, resetMs: msUntil(level, bucket.capacity, bucket.capacity) },
      this.options.now(),
    );
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    if (result.allowed) return true;
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
