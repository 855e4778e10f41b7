import type { FastifyInstance } from "fastify";

/**
 * Graceful close that cannot hang: requests in flight (streams included) finish, then every remaining
 * connection is closed. Node's own idle sweep leaves alone a connection that opened but never sent a
 * request, and stopping the server also stops the header timer that would have dropped it.
 */
export function drainOnClose(app: FastifyInstance): void {
  let inFlight = 0;
  app.addHook("onRequest", async (_request, reply) => {
    inFlight++;
    reply.raw.once("close", () => {
      inFlight--;
    });
  });
  app.addHook("preClose", (done) => {
    const sweep = setInterval(() => {
      if (inFlight > 0) return;
      clearInterval(sweep);
      app.server.closeAllConnections();
    }, 25);
    done();
  });
}
