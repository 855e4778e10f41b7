/**
 * `npm run demo`: the gateway in front of the bundled Bedrock emulator, for trying Aegis without an AWS account.
 * Both run in this process; the gateway reaches the emulator through the real AWS SDK (AWS_ENDPOINT_URL). It
 * starts exactly as `npm start` does (src/startup.ts), so every setting applies; only the AWS variables are
 * the emulator's, and HOST defaults to loopback.
 */
import { EMULATOR_CREDENTIALS, startEmulator } from "../src/emulator/server.js";
import { startGatewayProcess } from "../src/startup.js";

const emulator = await startEmulator({ host: "127.0.0.1", port: Number(process.env.EMULATOR_PORT ?? 0) });
process.env.AWS_ENDPOINT_URL = emulator.url;
process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
process.env.AWS_REGION ??= "us-east-1";
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
process.env.HOST ??= "127.0.0.1";
const authenticated = ["API_KEY", "API_KEY_SSM_PARAMETER", "API_KEY_SECRETSMANAGER_SECRET"].some(
  (name) => process.env[name] !== undefined,
);

const { app, config } = await startGatewayProcess(process.env);
const base = app.listeningOrigin;
console.log(`
Aegis is running at ${base} in front of the Bedrock emulator at ${emulator.url}.
Try it:

  curl -s ${base}${config.OPENAI_ROUTES_PREFIX}/v1/chat/completions \\${authenticated ? `\n    -H "authorization: Bearer <your key>" \\` : ""}
    -H 'content-type: application/json' \\
    -d '{"model":"amazon.nova-lite-v1:0","messages":[{"role":"user","content":"Hello Aegis"}]}'

Press Ctrl+C to stop.
`);
