import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { loadKeyVerifier } from "./auth/load.js";
import { KeySourceError } from "./auth/sources/source.js";
import { type Config, ConfigError, loadConfig } from "./config/index.js";
import { createDeps } from "./deps.js";
import { drainOnSignals } from "./http/shutdown.js";
import { batchedStdout, loggerOptions } from "./logging.js";
import { loadObservability } from "./observability/load.js";

/**
 * How a gateway process starts, for `npm start` (src/main.ts) and `npm run demo` (scripts/demo.ts) alike, so
 * the demo honours every setting the real thing does: configuration, key sources, TLS, trusted hosts...
 */

/** Startup problems are one clear line and a non-zero exit, never a stack trace. */
export function fail(message: string): never {
  process.stderr.write(`aegis: ${message}\n`);
  process.exit(1);
}

export interface StartedGateway {
  app: FastifyInstance;
  config: Config;
}

/** Reads the configuration from `env`, loads the key, builds the gateway and listens; exits on SIGTERM/SIGINT. */
export async function startGatewayProcess(env: NodeJS.ProcessEnv): Promise<StartedGateway> {
  // The SDK warns on every start that it will need Node 22 from 2027; Aegis supports Node 20 until then.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  // The key is read before anything listens: the server never runs half-configured.
  const keyVerifier = await loadKeyVerifier(config).catch((error: unknown) => {
    if (error instanceof KeySourceError) fail(error.message);
    throw error;
  });
  // Log lines and CloudWatch EMF lines share one batched writer, so they never interleave mid-line.
  const stdout = batchedStdout();
  const observability = await loadObservability(config, (line) => stdout.write(line));
  const deps = createDeps(config, keyVerifier, observability);
  const app = await buildApp(config, deps, { logger: loggerOptions(config.LOG_LEVEL, stdout) });
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    fail(`cannot listen on ${config.HOST}:${config.PORT}: ${(error as Error).message}`);
  }
  drainOnSignals(app, deps, config);
  return { app, config };
}
