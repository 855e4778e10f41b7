import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config } from "../config/index.js";
import type { Deps } from "../deps.js";
import { GatewayError } from "../errors.js";
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
 */
export function registerAuthentication(app: FastifyInstance, config: Config, deps: Deps): void {
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

  // Node answers `Expect: 100-continue` by itself, inviting the body before any hook has run; with a
  // listener here, the hook below sends 100 Continue only once the key is accepted.
  app.server.on("checkContinue", (request, response) => app.server.emit("request", request, response));

  app.addHook("onRequest", async (request, reply) => {
    if (!isPublicRequest(request)) {
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
      if (!verifier.verify(presented.key, deps.now())) {
        telemetry.authenticationFailed("invalid_key");
        throw refused("Invalid API key.");
      }
    }
    if (expectsContinue(request)) reply.raw.writeContinue();
  });

  app.addHook("onReady", async () => verifier.start(app.log, deps.now));
  app.addHook("onClose", async () => verifier.stop());
}
