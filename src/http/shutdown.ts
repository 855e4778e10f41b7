import type { FastifyInstance } from "fastify";
import type { Config } from "../config/index.js";
import type { Deps } from "../deps.js";
import { GatewayError } from "../errors.js";

/** How long, after the deadline's error events, stuck connections (clients that stopped reading) may linger. */
const graceAfterDeadlineMs = 2_000;

/** What a stream still open at the drain deadline (or a call still waiting) ends with, in its dialect. */
export const shuttingDown = () =>
  new GatewayError("unavailable", "The server is shutting down; retry the request.", {
    code: "shutting_down",
    retryAfter: 1,
  });

export interface ShutdownControl {
  /** What the first signal does; exported for tests that drive a gateway in their own process. */
  drain(signal: string): void;
}

/**
 * SIGTERM/SIGINT: stop accepting, let requests in flight (streams included) finish for SHUTDOWN_DRAIN_TIMEOUT,
 * then end the Bedrock calls still open with a final "shutting down" error (streams get it as their dialect's
 * error event, so clients see why rather than a reset), close what is left and exit 0: the drain did what it is
 * configured to do. A second signal exits 1 at once. New requests during the drain get 503 and
 * Connection: close (src/http/drain.ts).
 */
export function drainOnSignals(
  app: FastifyInstance,
  deps: Pick<Deps, "bedrockCalls">,
  config: Pick<Config, "SHUTDOWN_DRAIN_TIMEOUT">,
  exit: (code: number) => void = (code) => process.exit(code),
): ShutdownControl {
  let draining = false;
  const drain = (signal: string) => {
    if (draining) {
      app.log.warn({ signal }, "second signal: exiting without waiting for the drain");
      exit(1);
      return;
    }
    draining = true;
    app.log.info({ signal, drainMs: config.SHUTDOWN_DRAIN_TIMEOUT }, "draining and shutting down");
    const deadline = setTimeout(() => {
      const interrupted = deps.bedrockCalls?.interrupt(shuttingDown()) ?? 0;
      app.log.warn({ interrupted }, "drain deadline: ended the Bedrock calls still open");
      setTimeout(() => {
        app.server.closeAllConnections();
        exit(0);
      }, graceAfterDeadlineMs).unref();
    }, config.SHUTDOWN_DRAIN_TIMEOUT);
    app.close().then(
      () => {
        clearTimeout(deadline);
        exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, "shutdown failed");
        exit(1);
      },
    );
  };
  process.on("SIGTERM", () => drain("SIGTERM"));
  process.on("SIGINT", () => drain("SIGINT"));
  return { drain };
}
