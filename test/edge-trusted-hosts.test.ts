import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway, startStack } from "./helpers/gateway.js";
import { rawGet, rawRequest } from "./helpers/raw-http.js";

let stack: Awaited<ReturnType<typeof startStack>>;
let open: RunningGateway;

beforeAll(async () => {
  stack = await startStack({ TRUSTED_HOSTS: '["api.example.com", "*.example.net", "127.0.0.1", "::1"]' });
  open = await startGateway(stack.emulator as Emulator, {});
});
afterAll(async () => {
  await open?.close();
  await stack?.close();
});

const url = () => stack.gateway.url;

describe("TRUSTED_HOSTS", () => {
  it.each([
    ["the exact host", "api.example.com"],
    ["another case", "API.Example.COM"],
    ["a port", "api.example.com:8443"],
    ["a trailing dot", "api.example.com."],
    ["a subdomain of a wildcard", "eu.example.net"],
    ["a deeper subdomain of a wildcard", "a.b.example.net:443"],
    ["an IPv4 literal", "127.0.0.1:8000"],
    ["an IPv6 literal in another spelling", "[0:0:0:0:0:0:0:1]:8000"],
  ])("accepts %s (%s)", async (_, host) => {
    const answer = await rawGet(url(), "/v1/models", [`Host: ${host}`]);
    expect(answer.status).toBe(200);
  });

  it.each([
    ["an unknown host", "evil.com"],
    ["the apex of a wildcard", "example.net"],
    ["a look-alike suffix", "api.example.com.evil.net"],
    ["a wildcard look-alike suffix", "eu.example.net.evil.net"],
    ["a look-alike prefix", "evilexample.net"],
    ["an empty label", ".example.net"],
    ["another IPv6 address", "[::2]"],
    ["a malformed port", "api.example.com:http"],
  ])("refuses %s (%s) with a 400 in the OpenAI shape", async (_, host) => {
    const answer = await rawGet(url(), "/v1/models", [`Host: ${host}`]);
    expect(answer.status).toBe(400);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    const body = JSON.parse(answer.body);
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_host" });
    // The untrusted value is not reflected.
    expect(answer.body).not.toContain(host.split(":")[0]);
    expect(answer.headers["x-request-id"]).toBeTruthy();
  });

  it("refuses in the Anthropic shape, with request-id, on Anthropic routes", async () => {
    const answer = await rawGet(url(), "/anthropic/v1/models", ["Host: evil.com"]);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringMatching(/Host header/) },
    });
    expect(answer.headers["request-id"]).toBe(answer.headers["x-request-id"]);
    expect((await rawGet(url(), "/anthropic/v1/models", ["Host: api.example.com"])).status).toBe(200);
  });

  it("refuses a request without Host, with two Host headers, or naming another host in absolute form", async () => {
    const noHost = await rawRequest(url(), "GET /v1/models HTTP/1.0\r\n\r\n");
    expect(noHost.status).toBe(400);
    expect(JSON.parse(noHost.body).error.message).toMatch(/no Host/);

    const twoHosts = await rawGet(url(), "/v1/models", ["Host: api.example.com", "Host: evil.com"]);
    expect(twoHosts.status).toBe(400);
    expect(JSON.parse(twoHosts.body).error.message).toMatch(/more than one Host/);

    const absolute = await rawGet(url(), "http://evil.com/v1/models", ["Host: api.example.com"]);
    expect(absolute.status).toBe(400);
    expect(JSON.parse(absolute.body).error.message).toMatch(/request target/);

    const absoluteTrusted = await rawGet(url(), "http://api.example.com/v1/models", [
      "Host: api.example.com",
    ]);
    expect(absoluteTrusted.status).toBe(200);
  });

  it("exempts GET /health, which load balancers call with the target's IP as Host", async () => {
    expect((await rawGet(url(), "/health", ["Host: 10.0.12.34:8000"])).status).toBe(200);
    expect((await rawRequest(url(), "GET /health HTTP/1.0\r\n\r\n")).status).toBe(200);
    expect((await rawGet(url(), "/healthz", ["Host: 10.0.12.34:8000"])).status).toBe(400);
  });

  it("logs the refusal with the request id", async () => {
    const answer = await rawGet(url(), "/v1/models", ["Host: evil.com"]);
    const id = answer.headers["x-request-id"];
    expect(
      stack.gateway.logs.some((line) => line.includes(`"reqId":"${id}"`) && line.includes('"status":400')),
    ).toBe(true);
  });
});

describe("without TRUSTED_HOSTS", () => {
  it("accepts any Host, but HTTP/1.1 still needs one (answered in JSON)", async () => {
    expect((await rawGet(open.url, "/v1/models", ["Host: anything.evil"])).status).toBe(200);
    const noHost = await rawRequest(open.url, "GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(noHost.status).toBe(400);
    expect(JSON.parse(noHost.body).error.code).toBe("invalid_host");
    expect((await rawRequest(open.url, "GET /v1/models HTTP/1.0\r\n\r\n")).status).toBe(200);
  });
});
