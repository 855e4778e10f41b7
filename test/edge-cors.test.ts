import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { rawRequest } from "./helpers/raw-http.js";

const apiKey = "sk-cors-test";
let emulator: Emulator;
let page: Server;
let pageOrigin: string;
let gateway: RunningGateway;
let anyOrigin: RunningGateway;
let noCors: RunningGateway;

beforeAll(async () => {
  // The page the browser loads; the gateway allows its origin as http://localhost:PORT only.
  page = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>");
  });
  await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
  pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`;
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  // With API_KEY set, authentication is on: the browser proves that preflights need no key.
  gateway = await startGateway(emulator, {
    CORS_ALLOW_ORIGINS: `["${pageOrigin}", "https://app.example.com"]`,
    API_KEY: apiKey,
  });
  anyOrigin = await startGateway(emulator, { CORS_ALLOW_ORIGINS: "*" });
  noCors = await startGateway(emulator, {});
});
afterAll(async () => {
  await Promise.all([gateway, anyOrigin, noCors].map((running) => running?.close()));
  await emulator?.close();
  await new Promise((resolve) => page?.close(resolve));
});

function preflight(url: string, origin: string | undefined, requestHeaders = "authorization, content-type") {
  const lines = [
    "OPTIONS /v1/chat/completions HTTP/1.1",
    "Host: gw",
    ...(origin === undefined ? [] : [`Origin: ${origin}`]),
    "Access-Control-Request-Method: POST",
    `Access-Control-Request-Headers: ${requestHeaders}`,
    "Connection: close",
    "",
    "",
  ];
  return rawRequest(url, lines.join("\r\n"));
}

describe("CORS preflights", () => {
  it("answers an allowed origin without an API key, with only the headers the clients use", async () => {
    const answer = await preflight(
      gateway.url,
      "https://app.example.com",
      "authorization, content-type, x-api-key, anthropic-version, x-stainless-os, openai-organization, x-evil, cookie",
    );
    expect(answer.status).toBe(204);
    expect(answer.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(answer.headers["access-control-allow-methods"]).toBe("GET, POST");
    const allowed = answer.headers["access-control-allow-headers"]?.split(", ");
    expect(allowed).toEqual([
      "authorization",
      "content-type",
      "x-api-key",
      "anthropic-version",
      "x-stainless-os",
      "openai-organization",
    ]);
    expect(answer.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(answer.headers["access-control-max-age"]).toBe("600");
    expect(answer.headers.vary).toMatch(/Origin/);
  });

  it.each([
    ["a disallowed origin", "https://evil.example.com"],
    ["a look-alike origin", "https://app.example.com.evil.net"],
    ["another scheme", "http://app.example.com"],
    ["the null origin", "null"],
  ])("gives %s no CORS headers", async (_, origin) => {
    const answer = await preflight(gateway.url, origin);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body).error.code).toBe("unknown_route");
    expect(Object.keys(answer.headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });

  it("treats an OPTIONS request without Origin as no preflight: no CORS headers, and it needs the key", async () => {
    const answer = await preflight(gateway.url, undefined);
    expect(answer.status).toBe(401);
    expect(Object.keys(answer.headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });

  it("still asks the real request for the key, in a way the allowed page can read", async () => {
    const answer = await rawRequest(
      gateway.url,
      "GET /v1/models HTTP/1.1\r\nHost: gw\r\nOrigin: https://app.example.com\r\nConnection: close\r\n\r\n",
    );
    expect(answer.status).toBe(401);
    expect(answer.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(JSON.parse(answer.body).error.code).toBe("invalid_api_key");
  });

  it("allows any origin only when * is written, still not null, never with credentials", async () => {
    const answer = await preflight(anyOrigin.url, "https://anywhere.example");
    expect(answer.status).toBe(204);
    expect(answer.headers["access-control-allow-origin"]).toBe("*");
    expect(answer.headers["access-control-allow-credentials"]).toBeUndefined();
    expect((await preflight(anyOrigin.url, "null")).headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers no preflight as CORS when CORS_ALLOW_ORIGINS is unset", async () => {
    const answer = await preflight(noCors.url, "https://app.example.com");
    expect(answer.status).toBe(404);
    expect(Object.keys(answer.headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });

  it("exposes the request id and retry-after on actual requests from an allowed origin", async () => {
    const get = (origin: string) =>
      rawRequest(
        gateway.url,
        `GET /health HTTP/1.1\r\nHost: gw\r\nOrigin: ${origin}\r\nConnection: close\r\n\r\n`,
      );
    const allowed = await get("https://app.example.com");
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(allowed.headers["access-control-expose-headers"]).toBe("x-request-id, request-id, retry-after");
    expect((await get("https://evil.example.com")).headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("CORS in a real browser", () => {
  let browser: Browser;
  let tab: Page;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    // One tab for both origins: a browser keys its preflight cache by origin, so nothing carries over.
    tab = await browser.newPage();
  }, 20_000);
  afterAll(() => browser?.close());

  /** Calls the gateway from a page at `origin` with fetch, as a browser app would. */
  async function callFrom(origin: string) {
    await tab.goto(`${origin}/`);
    return tab.evaluate(
      async ({ url, key }) => {
        try {
          const response = await fetch(`${url}/v1/chat/completions`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${key}`,
              "x-stainless-lang": "js",
            },
            body: JSON.stringify({
              model: "amazon.nova-lite-v1:0",
              messages: [{ role: "user", content: "from a page" }],
            }),
          });
          const body = (await response.json()) as { choices?: { message?: { content?: string } }[] };
          return {
            status: response.status,
            text: body.choices?.[0]?.message?.content,
            id: response.headers.get("x-request-id"),
          };
        } catch (error) {
          return { failed: String(error) };
        }
      },
      { url: gateway.url, key: apiKey },
    );
  }

  it("lets a page from an allowed origin call the gateway and read the request id", async () => {
    const result = await callFrom(pageOrigin);
    expect(result).toEqual({
      status: 200,
      text: "Echo: from a page",
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    // The browser sent a preflight first, and it passed without the key.
    expect(
      gateway.logs.some((line) => line.includes('"method":"OPTIONS"') && line.includes('"status":204')),
    ).toBe(true);
  });

  it("blocks a page from another origin", async () => {
    const other = pageOrigin.replace("localhost", "127.0.0.1");
    const result = await callFrom(other);
    expect(result).toEqual({ failed: expect.stringMatching(/Failed to fetch/) });
  });
});
