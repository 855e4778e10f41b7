import { afterEach, describe, expect, it } from "vitest";
import { resolveEndpoint } from "../../src/bedrock/lean/endpoint.js";
import { createSdkClient } from "../../src/bedrock/sdk-runtime.js";

const variables = [
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_PROFILE",
];
const saved = Object.fromEntries(variables.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of variables) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

async function endpointWith(env: Record<string, string>, region = "eu-west-3") {
  for (const name of variables) delete process.env[name];
  Object.assign(process.env, env);
  return resolveEndpoint(createSdkClient({ region, maxAttempts: 1 }));
}

/** The lean transport asks the SDK where Bedrock is, so it honours the same settings as the stock client. */
describe("lean transport endpoint", () => {
  it("defaults to the regional endpoint", async () => {
    expect(await endpointWith({})).toEqual({
      origin: "https://bedrock-runtime.eu-west-3.amazonaws.com",
      host: "bedrock-runtime.eu-west-3.amazonaws.com",
      basePath: "",
    });
  });

  it("honours FIPS", async () => {
    expect((await endpointWith({ AWS_USE_FIPS_ENDPOINT: "true" }, "us-east-1")).origin).toBe(
      "https://bedrock-runtime-fips.us-east-1.amazonaws.com",
    );
  });

  it("prefers AWS_ENDPOINT_URL_BEDROCK_RUNTIME to AWS_ENDPOINT_URL, and keeps a path prefix", async () => {
    expect(await endpointWith({ AWS_ENDPOINT_URL: "http://127.0.0.1:9/proxy/" })).toEqual({
      origin: "http://127.0.0.1:9",
      host: "127.0.0.1:9",
      basePath: "/proxy",
    });
    expect(
      (
        await endpointWith({
          AWS_ENDPOINT_URL: "http://127.0.0.1:9",
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: "http://[::1]:4010",
        })
      ).origin,
    ).toBe("http://[::1]:4010");
  });
});
