import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config/index.js";
import type { Deps } from "../deps.js";
import { GatewayError } from "../errors.js";
import { AuthFailureGuard } from "../limits/auth-failures.js";
import { limitCountersFor } from "../limits/counters-for.js";
import { LimitEnforcer } from "../limits/enforcer.js";
import type { RequestPolicy } from "../limits/request-policy.js";
import { routeNameOf } from "../limits/route-names.js";
import { presentedKey } from "./credentials.js";
import { hasKeySource } from "./load.js";
import { isPublicRequest } from "./public-requests.js";

// Closing the connection after a refusal keeps Node from reading the unread body to reuse the connection.
const refusalHeaders = { "www-authenticate": "Bearer", connection: "close" };

function refused(message: string): GatewayError {
  return new GatewayError("authentication", message, { code: "invalid_api_key", headers: refusalHeaders });
}

function expectsContinue(request: FastifyRequest): boolean {
  return request.headers.expect?.toLowerCase() === "100-continue";
}

/**
 * API key authentication as an onRequest hook: it runs before the body is read, so an unauthenticated
 * request costs its headers only. Without a verifier every request is accepted and a warning is logged.
 * An accepted key's route scope, in-flight and requests-per-minute limits are enforced here too; the
 * request carries the key's name (`request.keyName`) and policy (`request.keyPolicy`) for the route.
 */
export async function registerAuthentication(
  app: FastifyInstance,
  config: Config,
  deps: Deps,
): Promise<void> {
  app.decorateRequest("keyName", null);
  app.decorateRequest("keyPolicy", null);
  const verifier = deps.keyVerifier;
  if (verifier === undefined) {
    // Fail loudly rather than serve unauthenticated when a caller forgot to load the configured key.
    if (hasKeySource(config))
      throw new Error("An API key source is configured, but no key verifier was given.");
    app.log.warn(
      "SECURITY WARNING: authentication is disabled (no API_KEY, API_KEY_SSM_PARAMETER or API_KEY_SECRETSMANAGER_SECRET); every request is accepted",
    );
    return;
  }

  const counters = await limitCountersFor(config, app.log, deps.now);
  const enforcer = new LimitEnforcer({
    counters,
    failOpen: config.RATE_LIMIT_FAIL_OPEN,
    log: app.log,
    now: deps.now,
  });
  const failures =
    config.AUTH_FAILURE_LIMIT_PER_MINUTE > 0
      ? new AuthFailureGuard(config.AUTH_FAILURE_LIMIT_PER_MINUTE, counters, deps.now, app.log)
      : undefined;

  // Node answers `Expect: 100-continue` by itself, inviting the body before any hook has run; with a
  // listener here, the hook below sends 100 Continue only once the key is accepted.
  app.server.on("checkContinue", (request, response) => app.server.emit("request", request, response));

  /** The policy is set; with `Expect: 100-continue` the body is invited only now. */
  const admitted = (request: FastifyRequest, reply: FastifyReply, policy: RequestPolicy | null) => {
    request.keyPolicy = policy;
    if (expectsContinue(request)) reply.raw.writeContinue();
  };

  // A callback hook rather than an async one: most requests are decided without waiting (keys in memory,
  // limits counted in memory or granted from leases), and then no promise is made at all. Fastify hands a
  // synchronous throw to the error handler as it does a rejection.
  app.addHook("onRequest", (request, reply, done) => {
    if (isPublicRequest(request)) {
      admitted(request, reply, null);
      done();
      return;
    }
    // Before the key is even read: a blocked address learns nothing more about any key.
    failures?.check(request.ip);
    const presented = presentedKey(request.raw.rawHeaders);
    const { telemetry } = deps.observability;
    if (presented.kind === "ambiguous") {
      telemetry.authenticationFailed("ambiguous");
      throw new GatewayError(
        "invalid_request",
        `The ${presented.header} header is repeated; send exactly one.`,
        { code: "ambiguous_credentials", headers: { connection: "close" } },
      );
    }
    if (presented.kind === "refused") {
      telemetry.authenticationFailed("missing_or_malformed");
      throw refused(presented.message);
    }
    const key = verifier.verify(presented.key, deps.now());
    if (key === undefined) {
      telemetry.authenticationFailed("invalid_key");
      const refusal = refused("Invalid API key.");
      if (failures === undefined) throw refusal;
      failures.failed(request.ip).then(() => done(refusal), done);
      return;
    }
    request.keyName = key.name;
    request.exchange.keyName = key.name;
    request.exchange.guardrail = key.guardrail;
    const route = routeNameOf(request.routeOptions.url);
    // The request's Exchange (the first onRequest hook, src/app.ts) has its dialect from the same prefixes.
    const policy = enforcer.admit(key, route, request.exchange.dialect, request, reply);
    if (policy instanceof Promise) {
      policy.then((decided) => {
        admitted(request, reply, decided);
        done();
      }, done);
      return;
    }
    admitted(request, reply, policy);
    done();
  });

  app.addHook("onReady", async () => verifier.start(app.log, deps.now));
  app.addHook("onClose", async () => {
    verifier.stop();
    await counters.close();
  });
}
