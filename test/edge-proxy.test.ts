import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { rawGet } from "./helpers/raw-http.js";

// Every address below is only text in a header; connections go to and from loopback addresses.
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let off: RunningGateway;
let on: RunningGateway;

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  off = await startGateway(emulator, {});
  // The proxy is 127.0.0.1 (and an inner hop in 10.0.0.0/8); a client on 127.0.0.2 is not a proxy.
  on = await startGateway(emulator, {
    ENABLE_PROXY_HEADERS: "true",
    PROXY_TRUSTED_HOSTS: "127.0.0.1, 10.0.0.0/8",
  });
});
afterAll(async () => {
  await Promise.all([off?.close(), on?.close()]);
  await emulator?.close();
});

/** The request log line of the answer with this request id. */
function requestLine(gateway: RunningGateway, answerId: string | undefined) {
  const line = gateway.logs.find(
    (entry) => entry.includes(`"reqId":"${answerId}"`) && entry.includes('"msg":"request"'),
  );
  if (!line) throw new Error(`no request log line for ${answerId}`);
  return JSON.parse(line) as { ip: string; proto: string; port?: number };
}

const spoofed = [
  "X-Forwarded-For: 198.51.100.7, 203.0.113.9",
  "X-Forwarded-Proto: https",
  "X-Forwarded-Port: 443",
];

describe("proxy headers", () => {
  it("ignores X-Forwarded-* when ENABLE_PROXY_HEADERS is off", async () => {
    const answer = await rawGet(off.url, "/health", ["Host: gw", ...spoofed]);
    expect(requestLine(off, answer.headers["x-request-id"])).toEqual(
      expect.objectContaining({ ip: "127.0.0.1", proto: "http" }),
    );
    expect(requestLine(off, answer.headers["x-request-id"]).port).toBeUndefined();
    expect(answer.headers["strict-transport-security"]).toBeUndefined();
  });

  it("ignores them from a peer that is not a trusted proxy", async () => {
    const answer = await rawGet(on.url, "/health", ["Host: gw", ...spoofed], { localAddress: "127.0.0.2" });
    const line = requestLine(on, answer.headers["x-request-id"]);
    expect(line).toEqual(expect.objectContaining({ ip: "127.0.0.2", proto: "http" }));
    expect(line.port).toBeUndefined();
  });

  it("takes the right-most untrusted X-Forwarded-For entry, Proto and Port from a trusted proxy", async () => {
    const answer = await rawGet(on.url, "/health", ["Host: gw", ...spoofed], { localAddress: "127.0.0.1" });
    // 198.51.100.7 was written by the client itself; only the proxy's own entry counts.
    expect(requestLine(on, answer.headers["x-request-id"])).toEqual(
      expect.objectContaining({ ip: "203.0.113.9", proto: "https", port: 443 }),
    );
    expect(answer.headers["strict-transport-security"]).toMatch(/^max-age=/);
  });

  it("walks through trusted inner hops", async () => {
    const answer = await rawGet(on.url, "/health", [
      "Host: gw",
      "X-Forwarded-For: 198.51.100.7, 203.0.113.9, 10.1.2.3",
    ]);
    expect(requestLine(on, answer.headers["x-request-id"]).ip).toBe("203.0.113.9");
  });

  it("uses the peer when a trusted proxy sends no X-Forwarded-For", async () => {
    const answer = await rawGet(on.url, "/health", ["Host: gw"]);
    expect(requestLine(on, answer.headers["x-request-id"])).toEqual(
      expect.objectContaining({ ip: "127.0.0.1", proto: "http" }),
    );
  });

  it.each([
    ["unknown", "127.0.0.1"],
    ["foo", "127.0.0.1"],
    // The proxy did not know its peer: what lies to the left of its entry is the client's own word.
    ["203.0.113.9, unknown", "127.0.0.1"],
    ["foo, 203.0.113.9", "203.0.113.9"],
    ["198.51.100.7, unknown, 10.1.2.3", "10.1.2.3"],
    ["203.0.113.9:4711", "203.0.113.9"],
    ["[2001:db8::7]:4711", "2001:db8::7"],
    ["_hidden, 2001:db8::7", "2001:db8::7"],
  ])("skips the X-Forwarded-For entry that is not an address in %j", async (forwarded, ip) => {
    const answer = await rawGet(on.url, "/health", ["Host: gw", `X-Forwarded-For: ${forwarded}`]);
    expect(requestLine(on, answer.headers["x-request-id"]).ip).toBe(ip);
  });
});
