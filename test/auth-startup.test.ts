import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKeyVerifier } from "../src/auth/load.js";
import { loadConfig } from "../src/config/index.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { emulatorEnvironment, useEmulatorEnvironment } from "./helpers/gateway.js";
import { runMain } from "./helpers/spawn.js";

const secretText = randomBytes(40).toString("base64url");
let emulator: Emulator;
/** An emulator whose SSM and Secrets Manager refuse every call, as AWS does without IAM permission. */
let denying: Emulator;

beforeAll(async () => {
  [emulator, denying] = await Promise.all([
    startEmulator({ host: "127.0.0.1", port: 0 }),
    startEmulator({ host: "127.0.0.1", port: 0 }),
  ]);
  emulator.setParameter("/aegis/empty", "");
  emulator.setSecret("aegis/empty", { string: " " });
  emulator.setSecret("aegis/binary", { binary: Buffer.from(secretText) });
  emulator.setSecret("aegis/no-field", { string: JSON.stringify({ apikey: secretText }) });
  emulator.setSecret("aegis/broken-json", { string: `{"api_key": "${secretText}"` });
  emulator.setSecret("aegis/pending-empty", { string: secretText });
  emulator.setSecret("aegis/pending-empty", { string: "" }, "AWSPENDING");
  denying.failOperation("GetParameter", "AccessDeniedException");
  denying.failOperation("GetSecretValue", "AccessDeniedException");
});
afterAll(async () => {
  await emulator.close();
  await denying.close();
});

const awsEnv = (target: Emulator) => ({
  ...emulatorEnvironment(target),
  PORT: "0",
  HOST: "127.0.0.1",
});

/**
 * The real entry point, once per way main.ts can stop: a configuration error, and a key source that
 * cannot be read (SSM, Secrets Manager). Every reason a source cannot be read is then checked below,
 * in-process, through the same loadKeyVerifier() that main.ts calls (each process costs a second or
 * more of CPU).
 */
describe.concurrent("startup stops with one clear line and a non-zero exit", () => {
  it.for([
    [
      "two sources",
      { API_KEY: secretText, API_KEY_SSM_PARAMETER: "/aegis/key" },
      "aegis: Invalid configuration: API_KEY, API_KEY_SSM_PARAMETER: set only one API key source",
    ],
    [
      "a missing SSM parameter",
      { API_KEY_SSM_PARAMETER: "/aegis/missing" },
      'aegis: cannot read the API key from SSM parameter "/aegis/missing": it does not exist',
    ],
    [
      "a Secrets Manager access denied",
      { API_KEY_SECRETSMANAGER_SECRET: "aegis/any", denied: "yes" },
      'aegis: cannot read the API key from Secrets Manager secret "aegis/any": AWSCURRENT version: AccessDeniedException: Emulated AccessDeniedException for GetSecretValue',
    ],
  ] as [string, Record<string, string>, string][])(
    "%s",
    { timeout: 60_000 },
    async ([, env, line], { expect }) => {
      const { denied, ...settings } = env;
      const exit = await runMain({ ...awsEnv(denied ? denying : emulator), ...settings }, 45_000);
      expect(exit.code).toBe(1);
      expect(exit.stderr.trim().split("\n")).toHaveLength(1);
      expect(exit.stderr).toContain(line);
      expect(exit.stderr + exit.stdout).not.toContain(secretText);
      // Nothing was logged: the server never got as far as listening.
      expect(exit.stdout).toBe("");
    },
  );
});

describe("every reason a key cannot be read at startup", () => {
  beforeAll(() => useEmulatorEnvironment(emulator));
  afterAll(() => useEmulatorEnvironment(emulator));
  const failure = (target: Emulator, env: Record<string, string>) => {
    useEmulatorEnvironment(target);
    return loadKeyVerifier(loadConfig({ AWS_REGION: "us-east-1", ...env })).then(
      () => "loaded",
      (error: Error) => error.message,
    );
  };
  const ssm = 'cannot read the API key from SSM parameter "/aegis/';
  const secret = 'cannot read the API key from Secrets Manager secret "aegis/';

  it.each([
    ["missing parameter", { API_KEY_SSM_PARAMETER: "/aegis/missing" }, `${ssm}missing": it does not exist`],
    ["empty parameter", { API_KEY_SSM_PARAMETER: "/aegis/empty" }, `${ssm}empty": the key is empty`],
    [
      "missing secret",
      { API_KEY_SECRETSMANAGER_SECRET: "aegis/missing" },
      `${secret}missing": AWSCURRENT version: it does not exist`,
    ],
    ["empty secret", { API_KEY_SECRETSMANAGER_SECRET: "aegis/empty" }, `${secret}empty": the key is empty`],
    [
      "binary secret",
      { API_KEY_SECRETSMANAGER_SECRET: "aegis/binary" },
      `${secret}binary": it is a binary secret; store the key as a string`,
    ],
    [
      "JSON secret without the field",
      { API_KEY_SECRETSMANAGER_SECRET: "aegis/no-field" },
      `${secret}no-field": the JSON object has no field "api_key"`,
    ],
    [
      "JSON secret without the custom field",
      { API_KEY_SECRETSMANAGER_SECRET: "aegis/no-field", API_KEY_SECRETSMANAGER_KEY: "gateway" },
      `${secret}no-field": the JSON object has no field "gateway"`,
    ],
    [
      // A JSON parser's own message would quote the text; it never reaches the error.
      "broken JSON",
      { API_KEY_SECRETSMANAGER_SECRET: "aegis/broken-json" },
      `${secret}broken-json": it starts with { but is not valid JSON`,
    ],
    [
      "unusable pending version",
      { API_KEY_SECRETSMANAGER_SECRET: "aegis/pending-empty" },
      `${secret}pending-empty": AWSPENDING: the key is empty`,
    ],
  ])("%s", async (_, env, message) => {
    const text = await failure(emulator, env);
    expect(text).toBe(message);
    expect(text).not.toContain(secretText);
  });

  it("an AWS error on SSM", async () => {
    const text = await failure(denying, { API_KEY_SSM_PARAMETER: "/aegis/key" });
    expect(text).toMatch(
      /^cannot read the API key from SSM parameter "\/aegis\/key": AccessDeniedException: Emulated AccessDeniedException for GetParameter/,
    );
  });
});
