import { buildApp } from "./app.js";
import { loadKeyVerifier } from "./auth/load.js";
import { KeySourceError } from "./auth/sources/source.js";
import { ConfigError, loadConfig } from "./config/index.js";
import { createDeps } from "./deps.js";
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
  const app = await buildApp(config, createDeps(config, keyVerifier, observability), {
    logger: loggerOptions(config.LOG_LEVEL, stdout),
  });
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    fail(`cannot listen on ${config.HOST}:${config.PORT}: ${(error as Error).message}`);
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "draining and shutting down");
    // In-flight requests (streams included) finish; a second signal or 30 s forces the exit.
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => fail((error as Error).message ?? String(error)));
