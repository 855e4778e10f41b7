import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { withCurrentTable } from "../../src/config/table.js";

describe("configuration", () => {
  it("has working defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      HOST: "0.0.0.0",
      PORT: 8000,
      OPENAI_ROUTES_PREFIX: "",
      MODEL_CACHE_SECONDS: 900,
    });
    expect(config.MAX_REQUEST_BODY_SIZE).toBe(32 * 1024 * 1024);
  });

  it("parses lists, maps and sizes", () => {
    const config = loadConfig({
      AWS_BEDROCK_REGIONS: '["eu-west-3","eu-central-1"]',
      MODEL_ALIASES: '{"fast":"amazon.nova-micro-v1:0"}',
      MAX_REQUEST_BODY_SIZE: "1MiB",
      OPENAI_ROUTES_PREFIX: "/openai/",
    });
    expect(config.region).toBe("eu-west-3");
    expect(config.MODEL_ALIASES).toEqual({ fast: "amazon.nova-micro-v1:0" });
    expect(config.MAX_REQUEST_BODY_SIZE).toBe(1024 * 1024);
    expect(config.OPENAI_ROUTES_PREFIX).toBe("/openai");
    expect(loadConfig({ AWS_BEDROCK_REGIONS: "us-west-2, us-east-1" }).AWS_BEDROCK_REGIONS).toEqual([
      "us-west-2",
      "us-east-1",
    ]);
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ MODEL_ALIASES: "{nope" }, "MODEL_ALIASES"],
    [{ MODEL_ALIASES: '{"a":1}' }, "MODEL_ALIASES"],
    [{ MAX_REQUEST_BODY_SIZE: "lots" }, "MAX_REQUEST_BODY_SIZE"],
    [{ LOG_LEVEL: "chatty" }, "LOG_LEVEL"],
    [{ AWS_BEDROCK_REGIONS: "[1]" }, "AWS_BEDROCK_REGIONS"],
    [{ BEDROCK_TRANSPORT: "fast" }, "BEDROCK_TRANSPORT"],
  ])("refuses %j naming the variable", (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });

  it("README's configuration table is the generated one", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme, "run npm run docs:config").toBe(withCurrentTable(readme));
  });

  it("README gives the Node flags npm start runs the gateway with", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      scripts: { start: string };
    };
    const command = /node [^&]*dist\/main\.js/.exec(manifest.scripts.start)?.[0];
    expect(command).toMatch(/--max-semi-space-size=\d+/);
    expect(readme).toContain(`\`${command}\``);
  });
});
