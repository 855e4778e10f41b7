import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { png } from "./fixtures/media-server.mjs";
import type { RunningGateway } from "./helpers/gateway.js";
import {
  askAbout,
  expectRefusal,
  openAiClient,
  startLoopbackTrap,
  startMediaGateway,
  tableResolver,
} from "./helpers/media.js";

// Every URL here points at a server on loopback that serves a real PNG: if the guard let one through, the
// chat would succeed and the trap would count the connection. It must count none.
let emulator: Emulator;
let trap: Awaited<ReturnType<typeof startLoopbackTrap>>;
let gateway: RunningGateway;
let disabled: RunningGateway;
let client: OpenAI;
const names = tableResolver({
  localhost: ["127.0.0.1", "::1"],
  "loop.test": ["127.0.0.1"],
  "loop6.test": ["::1"],
  "mapped.test": ["::ffff:127.0.0.1"],
  "unspecified.test": ["0.0.0.0"],
});

const disabledNames = tableResolver({ "loop.test": ["127.0.0.1"] });

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  trap = await startLoopbackTrap();
  gateway = await startMediaGateway(emulator, {}, names.resolve);
  disabled = await startMediaGateway(emulator, { ENABLE_REMOTE_URL_FETCH: "false" }, disabledNames.resolve);
  client = openAiClient(gateway);
  // The trap does count: a direct request from the test is seen.
  await fetch(`http://127.0.0.1:${trap.port}/image.png`).then((response) => response.arrayBuffer());
  expect(trap.connections()).toBe(1);
});
afterAll(async () => {
  await gateway?.close();
  await disabled?.close();
  await trap?.close();
  await emulator?.close();
});
beforeEach(() => {
  trap.events.length = 0;
});

describe("internal addresses are refused before any connection", () => {
  const urls = [
    "http://127.0.0.1:PORT/image.png",
    "http://127.1:PORT/image.png",
    "http://0x7f.1:PORT/image.png",
    "http://0x7f000001:PORT/image.png",
    "http://2130706433:PORT/image.png",
    "http://017700000001:PORT/image.png",
    "http://0177.0.0.1:PORT/image.png",
    "http://%31%32%37.0.0.1:PORT/image.png",
    "http://0.0.0.0:PORT/image.png",
    "http://0:PORT/image.png",
    "http://[::ffff:127.0.0.1]:PORT/image.png",
    "http://[::ffff:7f00:1]:PORT/image.png",
    "http://[::1]:PORT/image.png",
    "http://[::]:PORT/image.png",
    "https://127.0.0.1:PORT/image.png",
    "http://localhost:PORT/image.png",
    "http://LOCALHOST.:PORT/image.png",
    "http://loop.test:PORT/image.png",
    "http://loop6.test:PORT/image.png",
    "http://mapped.test:PORT/image.png",
    "http://unspecified.test:PORT/image.png",
  ];

  it.each(urls)("%s", async (template) => {
    const url = template.replace("PORT", String(trap.port));
    const error = expectRefusal(await askAbout(client, url));
    expect(trap.connections(), url).toBe(0);
    // The client learns nothing about why; the log line of that request does.
    expect(JSON.stringify(error.error)).not.toMatch(/blocked|loopback|127\.0\.0\.1|::1|unspecified/);
    const requestId = error.headers?.get("x-request-id");
    const line = gateway.logs.find(
      (entry) => entry.includes(`"reqId":"${requestId}"`) && entry.includes("refused"),
    );
    expect(line, "log line of the refused request").toMatch(/"detail":"download refused: .*is blocked: /);
  });

  it("logs the origin only: a presigned URL's signature never reaches the log", async () => {
    const url = `http://loop.test:${trap.port}/private/key.png?X-Amz-Signature=s3cr3t-signature`;
    const error = expectRefusal(await askAbout(client, url));
    const requestId = error.headers?.get("x-request-id");
    const lines = gateway.logs.filter((entry) => entry.includes(`"reqId":"${requestId}"`));
    expect(lines.join("")).toContain(`http://loop.test:${trap.port}: address 127.0.0.1 is blocked: loopback`);
    expect(lines.join("")).not.toMatch(/s3cr3t|private\/key/);
  });

  it("refuses a name that does not resolve with the same answer", async () => {
    expectRefusal(await askAbout(client, `http://nowhere.test:${trap.port}/image.png`));
    expect(gateway.logs.some((line) => line.includes("cannot resolve (ENOTFOUND)"))).toBe(true);
  });

  it("refuses on a streamed request too, before the stream starts", async () => {
    expectRefusal(await askAbout(client, `http://127.0.0.1:${trap.port}/image.png`, "image", true));
    expect(trap.connections()).toBe(0);
  });

  it("refuses a document URL the same way", async () => {
    const outcome = await askAbout(client, `http://loop.test:${trap.port}/doc.pdf`, "file");
    expectRefusal(outcome, { param: "messages[0].content[1].file.file_url" });
    expect(trap.connections()).toBe(0);
  });
});

describe("URLs refused on their face", () => {
  it.each([
    ["ftp://loop.test/image.png", "Only http, https and data URLs are accepted."],
    ["file:///etc/passwd", "Only http, https and data URLs are accepted."],
    ["gopher://loop.test:70/_x", "Only http, https and data URLs are accepted."],
    ["not a url", "The URL is not valid."],
    ["http://[fe80::1%25lo]/image.png", "The URL is not valid."],
    ["http://user:secret@loop.test/image.png", "URLs with a user name or password are not accepted."],
  ])("%s", async (url, message) => {
    const outcome = await askAbout(client, url);
    const error = expectRefusal(outcome, { code: "invalid_url" });
    expect(error.message).toBe(`400 ${message}`);
    expect(error.message).not.toContain("secret");
    expect(trap.connections()).toBe(0);
  });
});

describe("ENABLE_REMOTE_URL_FETCH=false", () => {
  it("refuses every remote URL with a clear message", async () => {
    const outcome = await askAbout(openAiClient(disabled), `http://loop.test:${trap.port}/image.png`);
    const error = expectRefusal(outcome, { code: "remote_url_disabled" });
    expect(error.message).toMatch(/Remote URLs are disabled/);
    expect(disabledNames.calls.size).toBe(0);
    expect(trap.connections()).toBe(0);
  });

  it("still takes data URLs", async () => {
    const answer = await askAbout(openAiClient(disabled), `data:image/png;base64,${png.toString("base64")}`);
    expect(answer).not.toBeInstanceOf(Error);
  });
});
