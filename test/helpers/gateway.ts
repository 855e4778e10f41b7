import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.js";
import { loadKeyVerifier } from "../../src/auth/load.js";
import type { KeyVerifier } from "../../src/auth/verifier.js";
import { type Config, loadConfig } from "../../src/config/index.js";
import { createDeps, type Deps } from "../../src/deps.js";
import { EMULATOR_CREDENTIALS, type Emulator, startEmulator } from "../../src/emulator/server.js";
import { loggerOptions } from "../../src/logging.js";
import { loadObservability } from "../../src/observability/load.js";

export interface RunningGateway {
  url: string;
  app: FastifyInstance;
  config: Config;
  deps: Deps;
  /** Every log line the gateway wrote, as JSON text. */
  logs: string[];
  close(): Promise<void>;
}

/** The standard AWS environment variables that point the SDK at the emulator, e.g. for a gateway process. */
export function emulatorEnvironment(emulator: Emulator): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: "us-east-1",
  };
}

/** Points the AWS SDK at the emulator the way a user would: through the standard environment variables. */
export function useEmulatorEnvironment(emulator: Emulator): void {
  Object.assign(process.env, emulatorEnvironment(emulator));
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}

/** AEGIS_TEST_TRANSPORT=sdk|lean reruns a suite against that Bedrock transport (see the sdk project in vitest.config.ts). */
export function transportEnv(): Record<string, string> {
  const transport = process.env.AEGIS_TEST_TRANSPORT;
  return transport ? { BEDROCK_TRANSPORT: transport } : {};
}

/** A real gateway on a random loopback port, talking to the emulator through the real AWS SDK. */
export async function startGateway(
  emulator: Emulator,
  env: Record<string, string> = {},
  deps?: (config: Config, keyVerifier: KeyVerifier | undefined) => Deps,
): Promise<RunningGateway> {
  useEmulatorEnvironment(emulator);
  const config = loadConfig({ AWS_REGION: "us-east-1", LOG_LEVEL: "debug", ...transportEnv(), ...env });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = loggerOptions(config.LOG_LEVEL, stream);
  // As src/main.ts does: the API key (if configured) is read before the gateway is built.
  const keyVerifier = await loadKeyVerifier(config);
  const observability = await loadObservability(config, (line) => logs.push(line));
  const gatewayDeps = deps ? deps(config, keyVerifier) : createDeps(config, keyVerifier, observability);
  const app = await buildApp(config, gatewayDeps, { logger });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    config,
    deps: gatewayDeps,
    logs,
    close: () => app.close(),
  };
}

/** An emulator and a gateway in front of it, for a test file. */
export async function startStack(env: Record<string, string> = {}) {
  const emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  const gateway = await startGateway(emulator, env);
  return {
    emulator,
    gateway,
    async close() {
      await gateway.close();
      await emulator.close();
    },
  };
}
