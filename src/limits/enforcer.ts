import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import { hasLimits, type NamedKey } from "../auth/named-key.js";
import { GatewayError } from "../errors.js";
import {
  type Adjustment,
  type AdmitResult,
  type BucketSpec,
  type LimitCounters,
  msUntil,
  needed,
  type SlotSpec,
  type TakeResult,
} from "./counters.js";
import { type LimitKind, RateLimitHeaderWriter } from "./headers.js";
import { type ModelCall, type RequestPolicy, type TokenUsage, unrestrictedPolicy } from "./request-policy.js";
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

const ignore = () => {};

/**
 * What the enforcer needs of one key on every request, worked out on its first request: counter ids, the
 * requests bucket, limits as header text. A reloaded store makes new key objects, so a changed key gets a new
 * plan. (The model scope is already one compiled pattern per key: remembering its answers per model saved
 * about 40 ns a check in-process, not worth the memory of names taken from request bodies.)
 */
class KeyPlan {
  readonly slotId: string;
  /** The requests-per-minute bucket, as the one-element list the counters take (never changed by them). */
  readonly rpm: BucketSpec[] | undefined;
  readonly tpm: Omit<BucketSpec, "cost"> | undefined;
  readonly rpmLimit: string;
  readonly tpmLimit: string;
  /** Without scope or limit, the same policy serves every request. */
  readonly unrestricted: RequestPolicy | undefined;

  constructor(readonly key: NamedKey) {
    this.slotId = `${key.name}:concurrent`;
    this.rpm = key.rpm === undefined ? undefined : [{ id: `${key.name}:rpm`, capacity: key.rpm, cost: 1 }];
    this.tpm = key.tpm === undefined ? undefined : { id: `${key.name}:tpm`, capacity: key.tpm };
    this.rpmLimit = String(key.rpm);
    this.tpmLimit = String(key.tpm);
    this.unrestricted =
      key.models === undefined && !hasLimits(key) ? unrestrictedPolicy(key.name) : undefined;
  }

  allowsModel(name: string): boolean {
    return this.key.models === undefined || this.key.models(name);
  }
}

/** Enforces the scopes and limits of named keys (see "Named keys and limits" in the README). */
export class LimitEnforcer {
  #lastFailOpenLog = 0;
  readonly #plans = new WeakMap<NamedKey, KeyPlan>();
  readonly #headers = new RateLimitHeaderWriter();

  constructor(private readonly options: EnforcerOptions) {}

  /**
   * Checks the route scope, takes an in-flight slot (given back when the response closes) and a request
   * from the requests-per-minute bucket, sets the requests rate-limit headers, and returns the policy the
   * route asks about its model. Synchronous when the counters can decide without waiting (in memory, or
   * from leases): a promise only when they cannot.
   */
  admit(
    key: NamedKey,
    route: RouteName | "other" | undefined,
    dialect: Dialect,
    request: FastifyRequest,
    reply: FastifyReply,
  ): RequestPolicy | Promise<RequestPolicy> {
    if (route !== undefined && key.routes !== undefined && (route === "other" || !key.routes.has(route))) {
      throw forbidden(`This API key may not use the ${route === "other" ? "requested" : route} route.`);
    }
    let plan = this.#plans.get(key);
    if (plan === undefined) {
      plan = new KeyPlan(key);
      this.#plans.set(key, plan);
    }
    if (plan.unrestricted !== undefined) return plan.unrestricted;

    const slot: SlotSpec | undefined =
      key.maxConcurrent === undefined
        ? undefined
        : { id: plan.slotId, max: key.maxConcurrent, holder: request.id };
    if (slot === undefined && plan.rpm === undefined)
      return new KeyPolicy(this, plan, dialect, reply, undefined);
    // Slot and request in one atomic update (one Redis round trip): a refusal of either charges neither.
    const rpm = plan.rpm ?? [];
    const counters = this.options.counters;
    const now = counters.admitNow?.(slot, rpm);
    if (now !== undefined) return this.#admitted(now, plan, slot, dialect, reply);
    return this.guarded(() => counters.admit(slot, rpm), undefined).then((result) =>
      this.#admitted(result, plan, slot, dialect, reply),
    );
  }

  #admitted(
    result: AdmitResult | undefined,
    plan: KeyPlan,
    slot: SlotSpec | undefined,
    dialect: Dialect,
    reply: FastifyReply,
  ): RequestPolicy {
    if (result !== undefined && !result.slot) {
      throw new GatewayError(
        "rate_limit",
        `Too many requests in flight for this API key (max_concurrent ${plan.key.maxConcurrent}). Retry when one ends.`,
        { code: "rate_limit_exceeded", retryAfter: 1, headers: { "retry-after-ms": "1000" } },
      );
    }
    // Skipped store (fail open): the slot may still have been taken by an update that timed out.
    const held = slot !== undefined && (result === undefined || result.allowed);
    const rpm = plan.rpm?.[0];
    if (rpm !== undefined && result !== undefined) this.limit(dialect, reply, "requests", rpm, result, plan);
    return new KeyPolicy(this, plan, dialect, reply, held ? slot : undefined);
  }

  // What each request's KeyPolicy (below) uses of its enforcer.
  get counters(): LimitCounters {
    return this.options.counters;
  }

  /** Sets a bucket's rate-limit headers from what the store said; 429 when it was short. */
  limit(
    dialect: Dialect,
    reply: FastifyReply,
    kind: LimitKind,
    bucket: BucketSpec,
    result: TakeResult,
    plan: KeyPlan,
  ): void {
    const level = result.levels[0] ?? 0;
    this.#headers.write(
      reply,
      dialect,
      kind,
      kind === "requests" ? plan.rpmLimit : plan.tpmLimit,
      level,
      msUntil(level, bucket.capacity, bucket.capacity),
      this.options.now,
    );
    if (result.allowed) return;
    const waitMs = Math.max(1, msUntil(level, needed(bucket), bucket.capacity));
    const perMinute = kind === "requests" ? "requests per minute (rpm)" : "tokens per minute (tpm)";
    throw new GatewayError(
      "rate_limit",
      `Rate limit reached for API key '${plan.key.name}': ${bucket.capacity} ${perMinute}. Retry in ${Math.ceil(waitMs / 1000)} s.`,
      {
        code: "rate_limit_exceeded",
        retryAfter: Math.ceil(waitMs / 1000),
        headers: { "retry-after-ms": String(waitMs) },
      },
    );
  }

  /** A counter operation; when the store fails, `fallback` (fail open) or a 503 (fail closed). */
  async guarded<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
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

/** One request's policy under a key with a scope or limits. */
class KeyPolicy implements RequestPolicy {
  readonly keyName: string;
  /** Tokens taken for the estimate, until the usage replaces them. */
  #charged: number | undefined;
  #closed = false;
  #correction: Adjustment | undefined;

  constructor(
    private readonly enforcer: LimitEnforcer,
    private readonly plan: KeyPlan,
    private readonly dialect: Dialect,
    private readonly reply: FastifyReply,
    private readonly slot: SlotSpec | undefined,
  ) {
    this.keyName = plan.key.name;
    // Streams included: the slot is held until the response is over, however it ends. The token correction
    // known by then goes in the same update. `on`: a response closes once, and `once` adds a wrapper.
    if (slot !== undefined) reply.raw.on("close", () => this.#release(slot));
  }

  #release(slot: SlotSpec): void {
    this.#closed = true;
    this.enforcer.counters.release(slot, this.#correction).catch(ignore);
    this.#correction = undefined;
  }

  allowsModel(...names: string[]): boolean {
    if (this.plan.key.models === undefined) return true;
    for (const name of names) if (this.plan.allowsModel(name)) return true;
    return false;
  }

  /** Synchronous unless a tokens-per-minute update has to wait for the counters. */
  admitModel({ requested, resolved, estimatedTokens }: ModelCall): void | Promise<void> {
    const { plan } = this;
    if (!plan.allowsModel(requested) && !plan.allowsModel(resolved)) {
      throw forbidden(`This API key may not use the model '${requested}'.`, "model");
    }
    const tpm = plan.tpm;
    if (tpm === undefined || estimatedTokens <= 0) return;
    const bucket: BucketSpec = { id: tpm.id, capacity: tpm.capacity, cost: estimatedTokens };
    const buckets = [bucket];
    const { enforcer } = this;
    const counters = enforcer.counters;
    const now = counters.takeNow?.(buckets);
    if (now !== undefined) return this.#tokensTaken(bucket, now);
    return enforcer
      .guarded(() => counters.take(buckets), undefined)
      .then((result) => {
        if (result !== undefined) this.#tokensTaken(bucket, result);
      });
  }

  #tokensTaken(bucket: BucketSpec, result: TakeResult): void {
    this.enforcer.limit(this.dialect, this.reply, "tokens", bucket, result, this.plan);
    this.#charged = bucket.cost;
  }

  settle(usage: TokenUsage | undefined): void {
    const charged = this.#charged;
    const tpm = this.plan.tpm;
    if (charged === undefined || tpm === undefined || usage === undefined) return;
    const used =
      (usage.inputTokens ?? 0) +
      (usage.outputTokens ?? 0) +
      (usage.cacheReadInputTokens ?? 0) +
      (usage.cacheWriteInputTokens ?? 0);
    const delta = used - charged;
    this.#charged = undefined;
    if (delta === 0) return;
    const adjustment = { bucket: tpm, delta };
    if (this.slot !== undefined && !this.#closed) {
      this.#correction = adjustment;
      return;
    }
    // After the answer: a store that fails now changes nothing for this request.
    this.enforcer.counters.adjust(adjustment).catch(ignore);
  }
}
