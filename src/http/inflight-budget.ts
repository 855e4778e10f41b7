import type { ServerResponse } from "node:http";
import { Transform } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { GatewayError } from "../errors.js";

/** Seconds a refused client is told to wait: the bodies held now are usually gone by then. */
const retryAfterSeconds = 2;

const overBudget = () =>
  new GatewayError(
    "unavailable",
    "The gateway is holding as many request bytes as it may (MAX_INFLIGHT_REQUEST_BYTES); retry shortly.",
    { code: "overloaded", retryAfter: retryAfterSeconds, headers: { connection: "close" } },
  );

/**
 * One budget of request body bytes for the whole gateway (MAX_INFLIGHT_REQUEST_BYTES): every body in memory
 * is charged until its response ends (the parsed body lives as long as the request). A body that would
 * exceed the budget is refused with 503 (Anthropic: 529) and retry-after before it is read, from its
 * Content-Length, or, sent without one, as soon as its bytes arrive past the budget. Registered after
 * authentication, so a caller without a key cannot spend it.
 */
export function registerInflightBudget(app: FastifyInstance, budget: number): { held(): number } {
  let held = 0;

  /** Bytes charged per response, given back in one piece when it closes. */
  const charged = new WeakMap<ServerResponse, number>();
  // One listener for every response (a response closes once), rather than a closure per response.
  function giveBack(this: ServerResponse) {
    held -= charged.get(this) ?? 0;
  }
  const charge = (reply: FastifyReply, bytes: number): boolean => {
    if (held + bytes > budget) return false;
    held += bytes;
    const before = charged.get(reply.raw);
    charged.set(reply.raw, (before ?? 0) + bytes);
    if (before === undefined) reply.raw.on("close", giveBack);
    return true;
  };

  app.addHook("onRequest", async (request, reply) => {
    const declared = Number(request.headers["content-length"]);
    if (!Number.isSafeInteger(declared) || declared <= 0) return;
    if (declared > budget) {
      throw new GatewayError("request_too_large", "Request body is larger than the gateway accepts.", {
        code: "request_too_large",
        headers: { connection: "close" },
      });
    }
    if (!charge(reply, declared)) throw overBudget();
  });

  app.addHook("preParsing", async (request, reply, payload) => {
    if (request.headers["content-length"] !== undefined) return payload;
    // A body without Content-Length (chunked): charged chunk by chunk as it arrives.
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (!charge(reply, chunk.length)) done(overBudget());
        else done(null, chunk);
      },
    });
    payload.on("error", (error) => counted.destroy(error));
    return payload.pipe(counted);
  });

  return { held: () => held };
}
