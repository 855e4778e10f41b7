import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { allowedRequestHeaders, parseAllowedOrigin } from "../../src/edge/cors.js";
import { hostMatches, normalizeHost, parseHostPattern } from "../../src/edge/host-names.js";
import { nodeServerOptions } from "../../src/edge/limits.js";
import { proxyMatcher } from "../../src/edge/proxy-trust.js";

describe("host names", () => {
  it.each([
    ["API.Example.com", "api.example.com"],
    ["api.example.com:8443", "api.example.com"],
    ["api.example.com.", "api.example.com"],
    ["api.example.com.:80", "api.example.com"],
    ["[0:0:0:0:0:0:0:1]:8000", "::1"],
    ["[2001:DB8:0:0:0:0:0:1]", "2001:db8::1"],
    ["127.0.0.1:8000", "127.0.0.1"],
    ["", undefined],
    ["::1", undefined],
    ["[::1", undefined],
    ["[fe80::1%eth0]", undefined],
    ["a..b", undefined],
    ["host:port", undefined],
    ["exa mple.com", undefined],
    ["a.com:123456", undefined],
  ])("normalizes %j to %j", (value, expected) => {
    expect(normalizeHost(value)).toBe(expected);
  });

  it("matches wildcards on one or more labels, never the apex or look-alikes", () => {
    const pattern = parseHostPattern("*.Example.com");
    if ("error" in pattern) throw new Error(pattern.error);
    expect(hostMatches("a.example.com", pattern)).toBe(true);
    expect(hostMatches("a.b.example.com", pattern)).toBe(true);
    expect(hostMatches("example.com", pattern)).toBe(false);
    expect(hostMatches("evilexample.com", pattern)).toBe(false);
    expect(hostMatches("example.com.evil.net", pattern)).toBe(false);
  });

  it.each([
    "*.*.example.com",
    "a*.example.com",
    "api.example.com:8000",
    "[::1]:80",
    "https://api.example.com",
    "*.10",
    "",
  ])("refuses the TRUSTED_HOSTS entry %j", (entry) => {
    expect(parseHostPattern(entry)).toHaveProperty("error");
  });
});

describe("CORS origins and headers", () => {
  it.each([
    ["https://App.Example.com", "https://app.example.com"],
    ["https://app.example.com:443", "https://app.example.com"],
    ["http://localhost:3000", "http://localhost:3000"],
    ["*", "*"],
  ])("normalizes %j to %j", (entry, origin) => {
    expect(parseAllowedOrigin(entry)).toBe(origin);
  });

  it.each([
    "null",
    "app.example.com",
    "https://app.example.com/",
    "https://app.example.com/path",
    "ftp://x.example",
    "https://*.example.com",
  ])("refuses %j", (entry) => {
    expect(parseAllowedOrigin(entry)).toHaveProperty("error");
  });

  it("allows the clients' headers by name or prefix, case-insensitively", () => {
    expect(
      allowedRequestHeaders(
        "Authorization, X-Stainless-Retry-Count, OpenAI-Project, x-stainless-, cookie, x-forwarded-for",
      ),
    ).toEqual(["authorization", "x-stainless-retry-count", "openai-project"]);
    expect(allowedRequestHeaders(undefined)).toEqual([]);
  });
});

describe("proxy trust", () => {
  it("matches addresses and CIDRs, IPv4-mapped peers included, and nothing that is not an address", () => {
    const trusted = proxyMatcher(["10.0.0.0/8", "::1", "192.168.1.5"]);
    expect(trusted("10.200.0.1")).toBe(true);
    expect(trusted("::ffff:10.1.1.1")).toBe(true);
    expect(trusted("::1")).toBe(true);
    expect(trusted("192.168.1.5")).toBe(true);
    expect(trusted("192.168.1.6")).toBe(false);
    expect(trusted("11.0.0.1")).toBe(false);
    expect(trusted("not-an-ip")).toBe(false);
    expect(proxyMatcher(["*"])("203.0.113.1")).toBe(true);
  });
});

describe("edge settings", () => {
  it("has safe defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      TRUSTED_HOSTS: undefined,
      CORS_ALLOW_ORIGINS: undefined,
      ENABLE_PROXY_HEADERS: false,
      GRANIAN_SSL_PROTOCOL_MIN: "TLSv1.3",
      GRANIAN_SSL_CLIENT_VERIFY: false,
      HTTP_HEADERS_TIMEOUT: 10_000,
      HTTP_REQUEST_TIMEOUT: 120_000,
      HTTP_KEEP_ALIVE_TIMEOUT: 65_000,
      HTTP_MAX_HEADER_SIZE: 16_384,
      TLS_RELOAD_INTERVAL: 10_000,
    });
    expect(config.PROXY_TRUSTED_HOSTS).toContain("10.0.0.0/8");
    expect(config.PROXY_TRUSTED_HOSTS).not.toContain("*");
  });

  it("honours GRANIAN_HOST and GRANIAN_PORT unless HOST and PORT are set", () => {
    expect(loadConfig({ GRANIAN_HOST: "127.0.0.1", GRANIAN_PORT: "9000" })).toMatchObject({
      HOST: "127.0.0.1",
      PORT: 9000,
    });
    expect(
      loadConfig({ HOST: "::", PORT: "8080", GRANIAN_HOST: "127.0.0.1", GRANIAN_PORT: "9000" }),
    ).toMatchObject({
      HOST: "::",
      PORT: 8080,
    });
  });

  it("parses lists and durations", () => {
    const config = loadConfig({
      TRUSTED_HOSTS: "api.example.com, *.example.net",
      CORS_ALLOW_ORIGINS: '["https://app.example.com"]',
      PROXY_TRUSTED_HOSTS: "10.1.0.0/16,fd00::/8",
      HTTP_HEADERS_TIMEOUT: "2.5s",
      HTTP_REQUEST_TIMEOUT: "1m",
      TLS_RELOAD_INTERVAL: "0",
      GRANIAN_SSL_PROTOCOL_MIN: "TLS1.2",
    });
    expect(config.TRUSTED_HOSTS).toEqual([
      { kind: "exact", host: "api.example.com" },
      { kind: "subdomains", suffix: ".example.net" },
    ]);
    expect(config.CORS_ALLOW_ORIGINS).toEqual(["https://app.example.com"]);
    expect(config.PROXY_TRUSTED_HOSTS).toEqual(["10.1.0.0/16", "fd00::/8"]);
    expect(config).toMatchObject({
      HTTP_HEADERS_TIMEOUT: 2500,
      HTTP_REQUEST_TIMEOUT: 60_000,
      TLS_RELOAD_INTERVAL: 0,
      GRANIAN_SSL_PROTOCOL_MIN: "TLSv1.2",
    });
  });

  it.each([
    [{ TRUSTED_HOSTS: "api.example.com:443" }, "TRUSTED_HOSTS"],
    [{ CORS_ALLOW_ORIGINS: "null" }, "CORS_ALLOW_ORIGINS"],
    [{ PROXY_TRUSTED_HOSTS: "proxy.internal" }, "PROXY_TRUSTED_HOSTS"],
    [{ PROXY_TRUSTED_HOSTS: "10.0.0.0/33" }, "PROXY_TRUSTED_HOSTS"],
    [{ ENABLE_PROXY_HEADERS: "maybe" }, "ENABLE_PROXY_HEADERS"],
    [{ GRANIAN_PORT: "http" }, "GRANIAN_PORT"],
    [{ GRANIAN_SSL_PROTOCOL_MIN: "tls1.1" }, "GRANIAN_SSL_PROTOCOL_MIN"],
    [{ HTTP_HEADERS_TIMEOUT: "soon" }, "HTTP_HEADERS_TIMEOUT"],
    [{ HTTP_HEADERS_TIMEOUT: "0" }, "HTTP_HEADERS_TIMEOUT"],
    [{ HTTP_HEADERS_TIMEOUT: "2m", HTTP_REQUEST_TIMEOUT: "1m" }, "HTTP_HEADERS_TIMEOUT"],
    [{ HTTP_MAX_HEADER_SIZE: "big" }, "HTTP_MAX_HEADER_SIZE"],
    [{ GRANIAN_SSL_KEYFILE: "/k.pem" }, "GRANIAN_SSL_CERTIFICATE"],
    [{ GRANIAN_SSL_KEYFILE_PASSWORD: "pw" }, "GRANIAN_SSL_KEYFILE_PASSWORD"],
    [
      { GRANIAN_SSL_CLIENT_VERIFY: "true", GRANIAN_SSL_CERTIFICATE: "/c", GRANIAN_SSL_KEYFILE: "/k" },
      "GRANIAN_SSL_CA",
    ],
    [
      { GRANIAN_SSL_CA: "/ca.pem", GRANIAN_SSL_CERTIFICATE: "/c", GRANIAN_SSL_KEYFILE: "/k" },
      "GRANIAN_SSL_CLIENT_VERIFY",
    ],
    [{ GRANIAN_SSL_CA: "/ca.pem", GRANIAN_SSL_CLIENT_VERIFY: "true" }, "GRANIAN_SSL_CERTIFICATE"],
  ])("refuses %j naming the variable", (env, name) => {
    // A copy each time: the loader removes secret settings from the environment it reads.
    expect(() => loadConfig({ ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env })).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });

  it("keeps the key password out of strings, logs, errors and the environment", () => {
    const env: Record<string, string> = {
      GRANIAN_SSL_CERTIFICATE: "/c",
      GRANIAN_SSL_KEYFILE: "/k",
      GRANIAN_SSL_KEYFILE_PASSWORD: "hunter2",
    };
    const config = loadConfig(env);
    expect(env.GRANIAN_SSL_KEYFILE_PASSWORD).toBeUndefined();
    expect(JSON.stringify(config)).not.toContain("hunter2");
    expect(inspect(config)).not.toContain("hunter2");
    expect(String(config.GRANIAN_SSL_KEYFILE_PASSWORD)).toBe("[redacted]");
    expect(config.GRANIAN_SSL_KEYFILE_PASSWORD?.bytes().toString()).toBe("hunter2");
  });

  it("checks Node's timeouts at least four times per shortest timeout", () => {
    const options = nodeServerOptions({
      HTTP_HEADERS_TIMEOUT: 400,
      HTTP_REQUEST_TIMEOUT: 1000,
      HTTP_KEEP_ALIVE_TIMEOUT: 5000,
      HTTP_MAX_HEADER_SIZE: 8192,
    });
    expect(options).toMatchObject({
      headersTimeout: 400,
      requestTimeout: 1000,
      connectionsCheckingInterval: 100,
    });
  });
});
