import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLeanRuntime } from "../src/bedrock/lean/runtime.js";
import { ProfileChooser } from "../src/bedrock/regions/profiles.js";
import { regionalRuntime } from "../src/bedrock/regions/regional-runtime.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { chat, errorTypeOf, streamErrorOf } from "./helpers/dialect-calls.js";
import { type RunningGateway, startGateway, useEmulatorEnvironment } from "./helpers/gateway.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const runtimeCalls = () =>
  emulator.requests
    .filter((r) => r.service === "bedrock-runtime")
    .map((r) => ({ region: r.region, modelId: r.modelId }));

describe.each(["lean", "sdk"])("failover across AWS_BEDROCK_REGIONS (%s transport)", (transport) => {
  let gateway: RunningGateway;
  beforeEach(async () => {
    // A fresh gateway per test: each starts with no region resting.
    gateway = await startGateway(emulator, {
      AWS_BEDROCK_REGIONS: "us-east-1,us-west-2",
      BEDROCK_TRANSPORT: transport,
    });
  });
  afterEach(() => gateway.close());

  it("a throttled primary hands the call to the secondary, and rests", async () => {
    emulator.failRegion("us-east-1", "ThrottlingException");
    const first = await chat(gateway.url, "openai", "hello");
    expect(first.status).toBe(200);
    expect(runtimeCalls().map((c) => c.region)).toEqual(["us-east-1", "us-west-2"]);
    // The primary rests: the next call goes straight to the secondary.
    const second = await chat(gateway.url, "anthropic", "hello", true);
    expect(second.status).toBe(200);
    expect(runtimeCalls().map((c) => c.region)).toEqual(["us-east-1", "us-west-2", "us-east-1", "us-west-2"]);
    // (Claude and Nova are different models: each has its own rest.)
    await chat(gateway.url, "openai", "again");
    expect(runtimeCalls().at(-1)?.region).toBe("us-west-2");
    expect(runtimeCalls()).toHaveLength(5);
  });

  it("an unreachable or unavailable primary fails over too", async () => {
    emulator.failRegion("us-east-1", "ServiceUnavailableException");
    expect((await chat(gateway.url, "openai", "hello", true)).status).toBe(200);
    expect(runtimeCalls().map((c) => c.region)).toEqual(["us-east-1", "us-west-2"]);
  });

  it("every region throttled: 429 in the dialect with retry-after", async () => {
    emulator.failRegion("us-east-1", "ThrottlingException");
    emulator.failRegion("us-west-2", "ThrottlingException");
    for (const dialect of ["openai", "anthropic"] as const) {
      const answer = await chat(gateway.url, dialect, "hello");
      expect(answer.status).toBe(429);
      expect(errorTypeOf(dialect, answer.text)).toBe("rate_limit_error");
      // Both rest 60 s after a first throttle.
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    }
    // Resting regions are not called again: 2 calls for the first request per model, none after.
    expect(runtimeCalls()).toHaveLength(4);
    const again = await chat(gateway.url, "openai", "hello");
    expect(again.status).toBe(429);
    expect(runtimeCalls()).toHaveLength(4);
  });

  it("a failure after the stream started is an error event, never a second call", async () => {
    for (const dialect of ["openai", "anthropic"] as const) {
      const answer = await chat(
        gateway.url,
        dialect,
        "one two three @@midstream:ServiceUnavailableException",
        true,
      );
      expect(answer.status).toBe(200);
      expect(streamErrorOf(dialect, answer.text)).toBeDefined();
    }
    expect(runtimeCalls().map((c) => c.region)).toEqual(["us-east-1", "us-east-1"]);
  });

  it("a client error (a bad request) is not retried elsewhere", async () => {
    const answer = await chat(gateway.url, "openai", "@@error:ValidationException");
    expect(answer.status).toBe(400);
    expect(runtimeCalls()).toHaveLength(1);
  });
});

describe("region rests", () => {
  it("end after 60 s for a throttle (doubling while it keeps throttling), 30 s for unavailability", async () => {
    useEmulatorEnvironment(emulator);
    let clock = 1_000_000;
    const regions = ["us-east-1", "us-west-2"].map((name) => ({
      name,
      runtime: createLeanRuntime({ region: name, maxAttempts: 1 }),
    }));
    const runtime = regionalRuntime(
      regions,
      new ProfileChooser({ enabled: true, allowGlobal: true }),
      () => clock,
    );
    const converse = () =>
      runtime.converse({
        modelId: "amazon.nova-lite-v1:0",
        messages: [{ role: "user", content: [{ text: "hi" }] }],
      });
    const lastRegion = () => runtimeCalls().at(-1)?.region;
    try {
      emulator.failRegion("us-east-1", "ThrottlingException");
      await converse();
      expect(runtimeCalls().map((c) => c.region)).toEqual(["us-east-1", "us-west-2"]);
      clock += 59_000;
      await converse();
      expect(lastRegion()).toBe("us-west-2");
      expect(runtimeCalls()).toHaveLength(3);
      // The rest is over: the primary is tried again, throttles again, and now rests twice as long.
      clock += 2_000;
      await converse();
      expect(
        runtimeCalls()
          .slice(-2)
          .map((c) => c.region),
      ).toEqual(["us-east-1", "us-west-2"]);
      clock += 119_000;
      await converse();
      expect(lastRegion()).toBe("us-west-2");
      clock += 2_000;
      emulator.failRegion("us-east-1", null);
      await converse();
      expect(lastRegion()).toBe("us-east-1");

      emulator.reset();
      emulator.failRegion("us-east-1", "ServiceUnavailableException");
      await converse();
      emulator.failRegion("us-east-1", null);
      clock += 29_000;
      await converse();
      expect(lastRegion()).toBe("us-west-2");
      clock += 2_000;
      await converse();
      expect(lastRegion()).toBe("us-east-1");

      // Both resting: the earliest return decides retry-after.
      emulator.failRegion("us-east-1", "ServiceUnavailableException");
      emulator.failRegion("us-west-2", "ThrottlingException");
      await expect(converse()).rejects.toMatchObject({ status: 503, retryAfter: 30 });
    } finally {
      await Promise.all(regions.map((region) => region.runtime.destroy()));
    }
  });
});

describe("cross-region inference profiles", () => {
  it("a geography profile follows the call to a region of another geography; off, ids go as given", async () => {
    for (const [enabled, expected] of [
      ["true", "eu.amazon.nova-lite-v1:0"],
      ["false", "us.amazon.nova-lite-v1:0"],
    ] as const) {
      emulator.reset();
      const gateway = await startGateway(emulator, {
        AWS_BEDROCK_REGIONS: "us-east-1,eu-west-1",
        AWS_BEDROCK_CROSS_REGION_INFERENCE: enabled,
      });
      try {
        emulator.failRegion("us-east-1", "ThrottlingException");
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            model: "us.amazon.nova-lite-v1:0",
            messages: [{ role: "user", content: "hi" }],
          }),
        });
        expect(response.status).toBe(200);
        expect(runtimeCalls()).toEqual([
          { region: "us-east-1", modelId: "us.amazon.nova-lite-v1:0" },
          { region: "eu-west-1", modelId: expected },
        ]);
      } finally {
        await gateway.close();
      }
    }
  });
});

describe("a base model id served only through inference profiles", () => {
  let strict: Emulator;
  beforeAll(async () => {
    strict = await startEmulator({ host: "127.0.0.1", port: 0, requireProfiles: true });
  });
  afterAll(() => strict.close());

  const premier = "amazon.nova-premier-v1:0";
  const ask = (url: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: premier, messages: [{ role: "user", content: "hi" }] }),
    });

  it.each([
    [{}, 200, [premier, `global.${premier}`, `global.${premier}`]],
    [
      { AWS_BEDROCK_CROSS_REGION_INFERENCE_GLOBAL: "false" },
      200,
      [premier, `us.${premier}`, `us.${premier}`],
    ],
    [{ AWS_BEDROCK_CROSS_REGION_INFERENCE: "false" }, 400, [premier, premier]],
  ] as const)("%j → %i, Bedrock called with %j", async (env, status, calls) => {
    strict.reset();
    const gateway = await startGateway(strict, { ...env });
    try {
      // The second request goes straight to the profile that worked.
      for (let i = 0; i < 2; i++) expect((await ask(gateway.url)).status).toBe(status);
      expect(strict.requests.filter((r) => r.service === "bedrock-runtime").map((r) => r.modelId)).toEqual(
        calls,
      );
    } finally {
      await gateway.close();
    }
  });
});
