import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { pdf, png } from "./fixtures/media-server.mjs";
import { lastCall } from "./helpers/anthropic.js";
import type { RunningGateway } from "./helpers/gateway.js";
import { refusedMessage, startLoopbackTrap, startMediaGateway, tableResolver } from "./helpers/media.js";
import { type JsonLineProcess, namespaceUnavailable, startNamespacedMediaServer } from "./helpers/netns.js";

// The SSRF guard seen from the Anthropic routes: `url` sources of image and document blocks go through the
// same guarded fetcher as OpenAI's image_url / file_url, and refusals come back in Anthropic's error shape.
const model = "claude-haiku-4-5";
let emulator: Emulator;

const clientOf = (gateway: RunningGateway) =>
  new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: "sk-ant-never-forwarded", maxRetries: 0 });

/** One message with a text block and an image (or document) block whose source is `url`. */
function askAbout(client: Anthropic, url: string, kind: "image" | "document" = "image", stream = false) {
  const media = { type: kind, source: { type: "url" as const, url } } as Anthropic.ContentBlockParam;
  const params = {
    model,
    max_tokens: 20,
    messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "what is this?" }, media] }],
  };
  const call = stream ? client.messages.stream(params).finalMessage() : client.messages.create(params);
  return call.catch((error: unknown) => error);
}

/** The one refusal, whatever the reason: 400 invalid_request_error with the same message. */
function expectRefusal(outcome: unknown) {
  expect(outcome).toBeInstanceOf(Anthropic.BadRequestError);
  const error = outcome as InstanceType<typeof Anthropic.BadRequestError>;
  expect(error.error).toEqual({
    type: "error",
    error: { type: "invalid_request_error", message: refusedMessage },
  });
  return error;
}

type SentContent = {
  image?: { format: string; source: { bytes: string } };
  document?: { format: string; name: string; source: { bytes: string } };
};
const sentContent = () =>
  (lastCall(emulator).body as { messages: { content: SentContent[] }[] }).messages[0]?.content[1];

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(() => emulator?.close());
beforeEach(() => emulator.reset());

describe("internal addresses are refused before any connection", () => {
  let trap: Awaited<ReturnType<typeof startLoopbackTrap>>;
  let gateway: RunningGateway;
  let client: Anthropic;
  beforeAll(async () => {
    trap = await startLoopbackTrap();
    gateway = await startMediaGateway(emulator, {}, tableResolver({ "loop.test": ["127.0.0.1"] }).resolve);
    client = clientOf(gateway);
  });
  afterAll(async () => {
    await gateway?.close();
    await trap?.close();
  });
  beforeEach(() => {
    trap.events.length = 0;
  });

  it.each([
    ["image", "http://127.0.0.1:PORT/image.png", false],
    ["image", "http://[::ffff:127.0.0.1]:PORT/image.png", false],
    ["image", "http://loop.test:PORT/image.png", true],
    ["document", "http://0x7f.1:PORT/doc.pdf", false],
    ["document", "http://loop.test:PORT/doc.pdf", true],
  ] as const)("%s %s (stream: %s)", async (kind, template, stream) => {
    const url = template.replace("PORT", String(trap.port));
    const error = expectRefusal(await askAbout(client, url, kind, stream));
    expect(trap.connections(), url).toBe(0);
    expect(JSON.stringify(error.error)).not.toMatch(/blocked|loopback|127\.0\.0\.1|::1/);
    expect(emulator.requests).toHaveLength(0);
  });

  it("refuses in count_tokens too", async () => {
    const url = `http://loop.test:${trap.port}/image.png`;
    const outcome = await client.messages
      .countTokens({
        model,
        messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url } }] }],
      })
      .catch((error: unknown) => error);
    expectRefusal(outcome);
    expect(trap.connections()).toBe(0);
  });

  it("refuses schemes other than http, https and data", async () => {
    const error = await askAbout(client, "file:///etc/passwd");
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).type).toBe("invalid_request_error");
  });
});

const unavailable = namespaceUnavailable();

describe.skipIf(unavailable)(
  `url sources from a network namespace${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let media: Awaited<ReturnType<typeof startNamespacedMediaServer>>;
    let server: JsonLineProcess;
    let open: RunningGateway;
    let strict: RunningGateway;
    let base: string;
    beforeAll(async () => {
      media = await startNamespacedMediaServer();
      server = media.server;
      base = `http://files.test:${server.port}`;
      const names = tableResolver({ "files.test": [media.ns.address] });
      open = await startMediaGateway(
        emulator,
        { SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS: "false" },
        names.resolve,
      );
      strict = await startMediaGateway(emulator, {}, names.resolve);
    });
    afterAll(async () => {
      await open?.close();
      await strict?.close();
      await media?.stop();
    });
    beforeEach(() => {
      server.events.length = 0;
    });

    it("downloads an image url and hands its bytes to Bedrock", async () => {
      const answer = await askAbout(clientOf(open), `${base}/image.png`);
      expect(answer).not.toBeInstanceOf(Error);
      const image = sentContent()?.image;
      expect(image?.format).toBe("png");
      expect(Buffer.from(image?.source.bytes ?? "", "base64")).toEqual(png);
      const request = server.events.find((event) => event.request !== undefined);
      expect(JSON.stringify(request?.headers)).not.toContain("sk-ant-never-forwarded");
    });

    it("downloads a PDF document url, streamed answer", async () => {
      const answer = await askAbout(clientOf(open), `${base}/doc.pdf`, "document", true);
      expect(answer).not.toBeInstanceOf(Error);
      const document = sentContent()?.document;
      expect(document?.format).toBe("pdf");
      expect(Buffer.from(document?.source.bytes ?? "", "base64")).toEqual(pdf);
    });

    it("refuses the private address by default, without connecting", async () => {
      expectRefusal(await askAbout(clientOf(strict), `${base}/image.png`));
      expect(server.events.filter((event) => event.connection !== undefined)).toHaveLength(0);
    });
  },
);
