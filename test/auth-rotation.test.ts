import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../src/deps.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { accepts as acceptsKey, randomKey } from "./helpers/keys.js";
import { waitFor } from "./helpers/wait.js";

// Re-read every second; the grace period is passed by moving the gateway's clock, not by waiting.
const graceSeconds = 600;
const newKey = randomKey;
const keys: string[] = [];
let emulator: Emulator;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await emulator.close();
  const leaked = gateways.flatMap((gateway) =>
    gateway.logs.filter((line) => keys.some((key) => line.includes(key))),
  );
  expect(leaked, "log lines containing a key").toEqual([]);
});

function fresh(): string {
  const key = newKey();
  keys.push(key);
  return key;
}

/** A gateway re-reading its key every second, whose clock the test can move forward. */
async function rotatingGateway(env: Record<string, string>) {
  let skew = 0;
  const gateway = await startGateway(
    emulator,
    { API_KEY_REFRESH_SECONDS: "1", API_KEY_ROTATION_GRACE_SECONDS: String(graceSeconds), ...env },
    (config, keyVerifier) => ({ ...createDeps(config, keyVerifier), now: () => Date.now() + skew }),
  );
  gateways.push(gateway);
  return {
    gateway,
    advance(seconds: number) {
      skew += seconds * 1000;
    },
  };
}

const accepts = (gateway: RunningGateway, key: string) => acceptsKey(gateway.url, key);

/** Waits for the next log line with message `message` after the `after`-th line. */
async function nextLog(gateway: RunningGateway, message: string, after = gateway.logs.length) {
  const find = () => gateway.logs.slice(after).find((text) => JSON.parse(text).msg === message);
  await waitFor(() => find() !== undefined, 15_000);
  return JSON.parse(find() ?? "{}") as Record<string, unknown>;
}

const rotated = "API key rotated: the new key is accepted; the previous one until the grace period ends";
const refreshFailed = "API key refresh failed; the current key stays in use";

// The two sources run side by side: each test waits on one-second refresh timers.
describe.concurrent("rotation without a restart", () => {
  it("SSM: a new value is accepted at once, the old one until the grace ends; failed refreshes keep the key", async ({
    expect,
  }) => {
    const [first, second] = [fresh(), fresh()];
    emulator.setParameter("/aegis/rotated", first);
    const { gateway, advance } = await rotatingGateway({ API_KEY_SSM_PARAMETER: "/aegis/rotated" });
    expect(await accepts(gateway, first)).toBe(true);

    emulator.failOperation("GetParameter", "InternalServerError");
    const failure = await nextLog(gateway, refreshFailed);
    expect(failure.level).toBe(40);
    expect(String(failure.problem)).toMatch(/SSM parameter "\/aegis\/rotated": InternalServerError/);
    expect(await accepts(gateway, first)).toBe(true);
    expect(await accepts(gateway, second)).toBe(false);

    emulator.failOperation("GetParameter", null);
    emulator.setParameter("/aegis/rotated", second);
    expect((await nextLog(gateway, rotated)).graceSeconds).toBe(graceSeconds);
    expect(await accepts(gateway, second)).toBe(true);
    expect(await accepts(gateway, first)).toBe(true);

    advance(graceSeconds - 5);
    expect(await accepts(gateway, first)).toBe(true);
    advance(10);
    expect(await accepts(gateway, first)).toBe(false);
    expect(await accepts(gateway, second)).toBe(true);

    // A value that cannot be a key (here: blank) is a failed refresh too, never an open door.
    emulator.setParameter("/aegis/rotated", "  ");
    expect(String((await nextLog(gateway, refreshFailed)).problem)).toMatch(/the key is empty/);
    expect(await accepts(gateway, second)).toBe(true);
    const blank = await fetch(`${gateway.url}/v1/models`, { headers: { "x-api-key": "" } });
    expect(blank.status).toBe(401);
  });

  it("Secrets Manager: the AWSPENDING key is accepted while the rotation runs, then becomes current", async ({
    expect,
  }) => {
    const [first, second] = [fresh(), fresh()];
    emulator.setSecret("aegis/rotated", { string: JSON.stringify({ api_key: first }) });
    const { gateway, advance } = await rotatingGateway({ API_KEY_SECRETSMANAGER_SECRET: "aegis/rotated" });
    expect(await accepts(gateway, second)).toBe(false);

    // Rotation step createSecret: the next key is staged AWSPENDING; clients may switch to it now.
    emulator.setSecret("aegis/rotated", { string: JSON.stringify({ api_key: second }) }, "AWSPENDING");
    await nextLog(gateway, "API key rotation under way: the pending (AWSPENDING) key is accepted too");
    expect(await accepts(gateway, second)).toBe(true);
    expect(await accepts(gateway, first)).toBe(true);

    // A refresh that fails meanwhile keeps both.
    emulator.failOperation("GetSecretValue", "InternalServiceError");
    expect(String((await nextLog(gateway, refreshFailed)).problem)).toMatch(/InternalServiceError/);
    emulator.failOperation("GetSecretValue", null);
    expect(await accepts(gateway, first)).toBe(true);
    expect(await accepts(gateway, second)).toBe(true);

    // Rotation step finishSecret: the next key becomes AWSCURRENT.
    emulator.setSecret("aegis/rotated", { string: JSON.stringify({ api_key: second }) });
    await nextLog(gateway, rotated);
    expect(await accepts(gateway, first)).toBe(true);
    advance(graceSeconds + 1);
    expect(await accepts(gateway, first)).toBe(false);
    expect(await accepts(gateway, second)).toBe(true);
  });
});
