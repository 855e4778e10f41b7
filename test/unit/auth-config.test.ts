import { describe, expect, it } from "vitest";
import { digestKey } from "../../src/auth/digest.js";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { configurationTable } from "../../src/config/table.js";

const key = "aegis-test-key-7c1f0e9d2b4a48c6a1f3e5d7b9c0a2e4";

describe("authentication settings", () => {
  it("keep only a salted digest of API_KEY and remove it from the environment", () => {
    const env: Record<string, string> = { API_KEY: `${key}\n` };
    const config = loadConfig(env);
    expect(env.API_KEY).toBeUndefined();
    expect("API_KEY" in env).toBe(false);
    expect(Buffer.isBuffer(config.API_KEY)).toBe(true);
    expect(config.API_KEY?.equals(digestKey(key))).toBe(true);
    expect(JSON.stringify(config)).not.toContain(key);
  });

  it("have defaults: no source, refresh and grace of five minutes", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ API_KEY_REFRESH_SECONDS: 300, API_KEY_ROTATION_GRACE_SECONDS: 300 });
    expect(config.API_KEY).toBeUndefined();
    expect(config.API_KEY_SECRETSMANAGER_KEY).toBeUndefined();
  });

  it.each([
    [{ API_KEY: key, API_KEY_SSM_PARAMETER: "/p" }, "API_KEY, API_KEY_SSM_PARAMETER: set only one"],
    [
      { API_KEY_SSM_PARAMETER: "/p", API_KEY_SECRETSMANAGER_SECRET: "s" },
      "API_KEY_SSM_PARAMETER, API_KEY_SECRETSMANAGER_SECRET: set only one",
    ],
    [
      { API_KEY: key, API_KEY_SSM_PARAMETER: "/p", API_KEY_SECRETSMANAGER_SECRET: "s" },
      "API_KEY, API_KEY_SSM_PARAMETER, API_KEY_SECRETSMANAGER_SECRET: set only one",
    ],
    [
      { API_KEY_SECRETSMANAGER_KEY: "k" },
      "API_KEY_SECRETSMANAGER_KEY: is set, but API_KEY_SECRETSMANAGER_SECRET",
    ],
    [{ API_KEY: "" }, "API_KEY: the key is empty"],
    [{ API_KEY: "  \n" }, "API_KEY: the key is empty"],
    [{ API_KEY: `two ${key}` }, "API_KEY: the key contains a space"],
    [{ API_KEY: `${key}é` }, "API_KEY: the key contains a space, a control character or a non-ASCII"],
    [{ API_KEY: "k".repeat(4097) }, "API_KEY: the key is longer than 4096"],
    [{ API_KEY_SSM_PARAMETER: " " }, "API_KEY_SSM_PARAMETER: is set but empty"],
    [{ API_KEY_SECRETSMANAGER_SECRET: "" }, "API_KEY_SECRETSMANAGER_SECRET: is set but empty"],
    [{ API_KEY_REFRESH_SECONDS: "-1" }, "API_KEY_REFRESH_SECONDS: must be between 0 and 86400"],
    [{ API_KEY_ROTATION_GRACE_SECONDS: "soon" }, "API_KEY_ROTATION_GRACE_SECONDS: expected a whole number"],
  ])("refuse %j naming the variables, never the key", (env, message) => {
    let error: unknown;
    try {
      loadConfig({ ...env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^Invalid configuration: /);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain(key);
  });

  it("show no value of API_KEY in the README table", () => {
    const row = configurationTable()
      .split("\n")
      .find((line) => line.startsWith("| `API_KEY` "));
    expect(row).toMatch(/^\| `API_KEY` +\| \(unset, secret\) +\|/);
  });
});
