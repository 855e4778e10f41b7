import type { FastifyInstance } from "fastify";
import { shuttingDown } from "./shutdown.js";

/**
 * Graceful close that cannot hang: requests in flight (streams included) finish, then every remaining
 * connection is closed. Node's own idle sweep leaves alone a connection that opened but never sent a
 * request, and stopping the server also stops the header timer that would have dropped it.
 */
export function drainOnClose(app: FastifyInstance): void {
  let inFlight = 0;
  let closing = false;
  // One listener for every response (a response closes once), rather than a closure and a `once` wrapper
  // held by each for as long as it lasts.
  const closed = () => {
    inFlight--;
  };
  app.addHook("onRequest", async (_request, reply) => {
    inFlight++;
    reply.raw.on("close", closed);
    // A request that arrives on a kept-alive connection while the server drains (Fastify has already set
    // Connection: close on it): refused in the route's dialect, so the client retries elsewhere.
    if (closing) throw shuttingDown();
  });
  app.addHook("preClose", (done) => {
    closing = true;
    const sweep = setInterval(() => {
      if (inFlight > 0) return;
      clearInterval(sweep);
      app.server.closeAllConnections();
    }, 25);
    done();
  });
}
