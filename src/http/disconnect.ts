import type { FastifyReply } from "fastify";

/**
 * An AbortSignal that fires when the client goes away before the answer is complete,
 * so the Bedrock call it is waiting on stops too (and stops costing tokens).
 */
export function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  response.once("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
