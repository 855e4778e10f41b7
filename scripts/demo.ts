/**
 * `npm run demo`: the gateway in front of the bundled Bedrock emulator, for trying Aegis without an AWS account.
 * Both run in this process; the gateway reaches the emulator through the real AWS SDK (AWS_ENDPOINT_URL).
 */
import { buildApp } from "../src/app.js";
import { ConfigError, loadConfig } from "../src/config/index.js";
import { createDeps } from "../src/deps.js";
import { EMULATOR_CREDENTIALS, startEmulator } from "../src/emulator/server.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const emulator = await startEmulator({ host: "127.0.0.1", port: Number(process.env.EMULATOR_PORT ?? 0) });
process.env.AWS_ENDPOINT_URL = emulator.url;
process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
process.env.AWS_REGION ??= "us-east-1";
delete process.env.AWS_PROFILE;

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig({ HOST: "127.0.0.1", ...process.env });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`aegis: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
const app = await buildApp(config, createDeps(config));
await app.listen({ host: config.HOST, port: config.PORT });
const base = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${config.PORT}`;
console.log(`
Aegis is running at ${base} in front of the Bedrock emulator at ${emulator.url}.
Try it:

  curl -s ${base}${config.OPENAI_ROUTES_PREFIX}/v1/chat/completions \\
    -H 'content-type: application/json' \\
    -d '{"model":"amazon.nova-lite-v1:0","messages":[{"role":"user","content":"Hello Aegis"}]}'

Press Ctrl+C to stop.
`);

const stop = async () => {
  await app.close();
  await emulator.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
