import { buildApp } from "./app.js";
import { loadKeyVerifier } from "./auth/load.js";
import { KeySourceError } from "./auth/sources/source.js";
import { ConfigError, loadConfig } from "./config/index.js";
import { createDeps } from "./deps.js";
import { drainOnSignals } from "./http/shutdown.js";
import { batchedStdout, loggerOptions } from "./logging.js";
import { loadObservability } from "./observability/load.js";

/** Startup problems are one clear line and a non-zero exit, never a stack trace. */
function fail(message: string): never {
  process.stderr.write(`aegis: ${message}\n`);
  process.exit(1);
}

async function main() {
  // The SDK warns on every start that it will need Node 22 from 2027; Aegis supports Node 20 until then.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
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
}

main().catch((error: unknown) => fail((error as Error).message ?? String(error)));
