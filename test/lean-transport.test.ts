import { createHmac } from "node:crypto";
import { createServer } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLeanRuntime } from "../src/bedrock/lean/runtime.js";
import type { Hmac } from "../src/bedrock/lean/sigv4.js";
import { createDeps } from "../src/deps.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { startGateway } from "./helpers/gateway.js";

const model = "amazon.nova-micro-v1:0";
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(() => emulator?.close());

/** `total` chat calls, `parallel` at a time, streamed and not in turn. */
async function load(client: OpenAI, total: number, parallel: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const stream = next++ % 2 === 0;
      const answer = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content: "hello @@deltas:4" }],
        stream,
      });
      if (stream) for await (const _chunk of answer as AsyncIterable<unknown>) void _chunk;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

describe("connections to Bedrock", () => {
  it.each(["lean", "sdk"])("%s: a few connections carry many calls", async (transport) => {
    const gateway = await startGateway(emulator, { BEDROCK_TRANSPORT: transport });
    try {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
      emulator.reset();
      await load(client, 80, 8);
      const calls = emulator.requests.filter((request) => request.operation.startsWith("Converse")).length;
      expect(calls).toBe(80);
      expect(emulator.connections).toBeGreaterThan(0);
      expect(emulator.connections).toBeLessThanOrEqual(8);
    } finally {
      await gateway.close();
    }
  });
});

describe("signing", () => {
  it("derives the SigV4 signing key once, not per request", async () => {
    let derivations = 0;
    // Only the derivation goes through `hmac`; each request's signature uses the key's pads (keyed-hmac.ts),
    // and the emulator checks every one.
    const counting: Hmac = (key, data) => {
      if (typeof key === "string" && key.startsWith("AWS4")) derivations++;
      return createHmac("sha256", key).update(data).digest();
    };
    const gateway = await startGateway(emulator, { BEDROCK_TRANSPORT: "lean" }, (config) => {
      const deps = createDeps(config);
      const bedrock = createLeanRuntime({
        region: config.region,
        maxAttempts: config.BEDROCK_MAX_ATTEMPTS,
        hmac: counting,
      });
      return {
        ...deps,
        bedrock,
        close: async () => {
          await deps.close();
          await bedrock.destroy();
        },
      };
    });
    try {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
      const before = emulator.requests.length;
      await load(client, 60, 4);
      expect(emulator.requests.length - before).toBe(60);
      expect(derivations).toBe(1);
    } finally {
      await gateway.close();
    }
  });
});

describe("request bodies", () => {
  it.each(["lean", "sdk"])(
    "%s: small and large (written once, src/bedrock/lean/request-body.ts) arrive whole, signed, with their length",
    async (transport) => {
      const gateway = await startGateway(emulator, { BEDROCK_TRANSPORT: transport });
      try {
        const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
        for (const size of [100, 120_000]) {
          for (const stream of [false, true]) {
            emulator.reset();
            // Non-ASCII text: the bytes sent and hashed are UTF-8, not the string's length.
            const text = `${"é ".repeat(size / 3)}end`;
            const answer = await client.chat.completions.create({
              model,
              messages: [{ role: "user", content: text }],
              stream,
            });
            if (stream) for await (const _chunk of answer as AsyncIterable<unknown>) void _chunk;
            // The emulator checked the signature and the signed payload hash against the bytes it got.
            const [sent] = emulator.requests;
            expect(sent?.operation).toBe(stream ? "ConverseStream" : "Converse");
            expect(sent?.headers["content-length"]).toBe(String(sent?.rawBody.length));
            expect(sent?.headers["transfer-encoding"]).toBeUndefined();
            const body = JSON.parse(sent?.rawBody.toString("utf8") ?? "") as {
              messages: { content: { text: string }[] }[];
            };
            expect(body.messages[0]?.content[0]?.text).toBe(text);
          }
        }
      } finally {
        await gateway.close();
      }
    },
    60_000,
  );
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("an unreachable Bedrock", () => {
  it("is a 503 on both transports, and AWS_ENDPOINT_URL_BEDROCK_RUNTIME wins over AWS_ENDPOINT_URL", async () => {
    const answers = [];
    for (const transport of ["sdk", "lean"]) {
      const gateway = await startGateway(emulator, { BEDROCK_TRANSPORT: transport });
      // Read on the first call, by the SDK's endpoint resolution and so by the lean transport too.
      process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = `http://127.0.0.1:${await closedPort()}`;
      try {
        const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
        const before = emulator.requests.length;
        const error = await client.chat.completions
          .create({ model, messages: [{ role: "user", content: "hi" }] })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(OpenAI.APIError);
        expect(emulator.requests.length).toBe(before);
        const apiError = error as InstanceType<typeof OpenAI.APIError>;
        answers.push({ status: apiError.status, body: apiError.error });
      } finally {
        delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
        await gateway.close();
      }
    }
    expect(answers[0]?.status).toBe(503);
    expect(answers[1]).toEqual(answers[0]);
  });
});

describe("a Bedrock API key", () => {
  it("(AWS_BEARER_TOKEN_BEDROCK) goes as a bearer token on both transports, as the SDK sends it", async () => {
    const seen = [];
    process.env.AWS_BEARER_TOKEN_BEDROCK = "bedrock-api-key-of-the-test";
    try {
      for (const transport of ["sdk", "lean"]) {
        const gateway = await startGateway(emulator, { BEDROCK_TRANSPORT: transport });
        try {
          const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
          const error = await client.chat.completions
            .create({ model, messages: [{ role: "user", content: "hi" }] })
            .catch((caught: unknown) => caught as InstanceType<typeof OpenAI.APIError>);
          // The emulator accepts SigV4 only: both answers are its refusal of the bearer token.
          seen.push({
            authorization: emulator.requests.at(-1)?.headers.authorization,
            status: error instanceof OpenAI.APIError ? error.status : undefined,
            body: error instanceof OpenAI.APIError ? error.error : error,
          });
        } finally {
          await gateway.close();
        }
      }
    } finally {
      delete process.env.AWS_BEARER_TOKEN_BEDROCK;
    }
    expect(seen[0]?.authorization).toBe("Bearer bedrock-api-key-of-the-test");
    expect(seen[1]).toEqual(seen[0]);
  });
});
