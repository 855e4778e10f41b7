import { EMULATOR_CREDENTIALS, startEmulator } from "./server.js";

/**
 * `npm run emulator`: the emulator as a standalone process, for demos without an AWS account and for
 * benchmarks. Configure with EMULATOR_PORT (default 4010), EMULATOR_HOST (default 127.0.0.1) and
 * EMULATOR_KEEP_REQUESTS (how many request records to keep; default 10,000, enough for any inspection).
 */

const port = Number(process.env.EMULATOR_PORT ?? 4010);
const host = process.env.EMULATOR_HOST ?? "127.0.0.1";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`EMULATOR_PORT must be a port number, got ${process.env.EMULATOR_PORT}`);
  process.exit(1);
}

const keepRequests = Number(process.env.EMULATOR_KEEP_REQUESTS ?? 10_000);
if (!Number.isInteger(keepRequests) || keepRequests < 1) {
  console.error(
    `EMULATOR_KEEP_REQUESTS must be a positive integer, got ${process.env.EMULATOR_KEEP_REQUESTS}`,
  );
  process.exit(1);
}

const emulator = await startEmulator({ host, port, keepRequests });
console.log(
  `AWS emulator listening on ${emulator.url} — use AWS_ENDPOINT_URL=${emulator.url} ` +
    `AWS_ACCESS_KEY_ID=${EMULATOR_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${EMULATOR_CREDENTIALS.secretAccessKey} AWS_REGION=us-east-1`,
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  await emulator.close();
  console.log(`AWS emulator stopped (${signal}).`);
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
