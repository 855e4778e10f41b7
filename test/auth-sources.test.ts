import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config/index.js";
import { createDeps } from "../src/deps.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { accepts as acceptsKey, randomKey } from "./helpers/keys.js";

const newKey = randomKey;
let emulator: Emulator;
const gateways: RunningGateway[] = [];
const keys: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterEach(async () => {
  for (const gateway of gateways.splice(0)) {
    await gateway.close();
    const leaked = gateway.logs.filter((line) => keys.some((key) => line.includes(key)));
    expect(leaked, "log lines containing a key").toEqual([]);
  }
});
afterAll(() => emulator.close());

async function gatewayWith(env: Record<string, string>) {
  const gateway = await startGateway(emulator, { LOG_LEVEL: "trace", ...env });
  gateways.push(gateway);
  return gateway;
}

/** Whether the gateway accepts `key`, asked through the official OpenAI client. */
const accepts = (gateway: RunningGateway, key: string) => acceptsKey(gateway.url, key);

function fresh(): string {
  const key = newKey();
  keys.push(key);
  return key;
}

describe("key sources", () => {
  it("SSM parameter, read with decryption", async () => {
    const key = fresh();
    emulator.setParameter("/aegis/ssm-key", key);
    const gateway = await gatewayWith({ API_KEY_SSM_PARAMETER: "/aegis/ssm-key" });
    expect(await accepts(gateway, key)).toBe(true);
    expect(await accepts(gateway, newKey())).toBe(false);
    const read = emulator.requests.find((request) => request.operation === "GetParameter");
    expect(read?.body).toEqual({ Name: "/aegis/ssm-key", WithDecryption: true });
  });

  it("SSM parameter named by ARN, its value ending in a newline (as a key saved from a file does)", async () => {
    const key = fresh();
    emulator.setParameter("/aegis/file-key", `${key}\n`);
    const gateway = await gatewayWith({
      API_KEY_SSM_PARAMETER: "arn:aws:ssm:us-east-1:123456789012:parameter/aegis/file-key",
    });
    expect(await accepts(gateway, key)).toBe(true);
  });

  it("Secrets Manager, JSON secret with the default field api_key", async () => {
    const key = fresh();
    emulator.setSecret("aegis/json", {
      string: JSON.stringify({ api_key: key, note: "other fields are fine" }),
    });
    const gateway = await gatewayWith({ API_KEY_SECRETSMANAGER_SECRET: "aegis/json" });
    expect(await accepts(gateway, key)).toBe(true);
    expect(await accepts(gateway, newKey())).toBe(false);
  });

  it("Secrets Manager, JSON secret with a custom field", async () => {
    const [key, other] = [fresh(), fresh()];
    emulator.setSecret("aegis/custom", { string: JSON.stringify({ api_key: other, gateway_key: key }) });
    const gateway = await gatewayWith({
      API_KEY_SECRETSMANAGER_SECRET: "aegis/custom",
      API_KEY_SECRETSMANAGER_KEY: "gateway_key",
    });
    expect(await accepts(gateway, key)).toBe(true);
    expect(await accepts(gateway, other)).toBe(false);
  });

  it("Secrets Manager, plain-string secret", async () => {
    const key = fresh();
    emulator.setSecret("aegis/plain", { string: key });
    const gateway = await gatewayWith({ API_KEY_SECRETSMANAGER_SECRET: "aegis/plain" });
    expect(await accepts(gateway, key)).toBe(true);
  });

  it("Secrets Manager mid-rotation at startup: the AWSPENDING key is accepted as the next key", async () => {
    const [current, pending] = [fresh(), fresh()];
    emulator.setSecret("aegis/rotating", { string: current });
    emulator.setSecret("aegis/rotating", { string: pending }, "AWSPENDING");
    const gateway = await gatewayWith({ API_KEY_SECRETSMANAGER_SECRET: "aegis/rotating" });
    expect(await accepts(gateway, current)).toBe(true);
    expect(await accepts(gateway, pending)).toBe(true);
    expect(await accepts(gateway, newKey())).toBe(false);
  });

  it.each([
    [{ AWS_REGION: "eu-north-1", AWS_BEDROCK_REGIONS: "eu-west-3" }, "eu-north-1"],
    [{ AWS_REGION: "", AWS_BEDROCK_REGIONS: "eu-west-3,eu-central-1" }, "eu-west-3"],
  ])("are read in AWS_REGION, else the first Bedrock region: %j", async (regions, expected) => {
    emulator.setParameter("/aegis/regional", fresh());
    emulator.reset();
    await gatewayWith({ API_KEY_SSM_PARAMETER: "/aegis/regional", ...regions });
    const read = emulator.requests.find((request) => request.operation === "GetParameter");
    expect(read?.headers.authorization).toContain(`/${expected}/ssm/aws4_request`);
  });
});

describe("no key source", () => {
  it("accepts every request and logs one security warning at startup", async () => {
    const gateway = await gatewayWith({});
    expect(await accepts(gateway, "anything")).toBe(true);
    const warnings = gateway.logs.filter((line) => line.includes("authentication is disabled"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? "{}").level).toBe(40);
  });

  it("is never assumed when a source is configured but no verifier was passed in", async () => {
    const config = loadConfig({ API_KEY: fresh() });
    const deps = createDeps(config);
    await expect(buildApp(config, deps, { logger: false })).rejects.toThrow(/no key verifier/);
    await deps.close();
  });
});
