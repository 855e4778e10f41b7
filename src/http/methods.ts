import type { FastifyInstance, HTTPMethods } from "fastify";
import { GatewayError } from "../errors.js";

const answerableMethods: HTTPMethods[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * Registers the other methods on a path so they get 405 with an Allow header, not 404.
 * OPTIONS stays free for CORS preflights, HEAD follows GET.
 */
export function allowOnly(app: FastifyInstance, url: string, allowed: HTTPMethods[]): void {
  const others = answerableMethods.filter((method) => !allowed.includes(method));
  const allow = allowed.join(", ");
  app.route({
    method: others,
    url,
    handler: async () => {
      throw new GatewayError("method_not_allowed", `Method not allowed; this path accepts ${allow}.`, {
        code: "method_not_allowed",
        headers: { allow },
      });
    },
  });
}
