import { connect as connectTcp } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { TestPki } from "./helpers/certificates.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

// Failed TLS handshakes leave one warn line each (peer and OpenSSL's reason), rate-limited per second.
let pki: TestPki;
let emulator: Emulator;
let tls: RunningGateway;
let mutual: RunningGateway;

interface LogLine {
  level: number;
  msg: string;
  ip?: string;
  port?: number;
  code?: string;
  reason?: string;
  suppressed?: number;
}
const warn = 40;
const failures = (gateway: RunningGateway) =>
  gateway.logs
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.msg === "TLS handshake failed");
const summaries = (gateway: RunningGateway) =>
  gateway.logs
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.msg === "TLS handshake failures not logged (rate limit)");
const portOf = (gateway: RunningGateway) => Number(new URL(gateway.url).port);

/** A TLS client that the server refuses; resolves with the local port once the connection is over. */
function failedHandshake(
  port: number,
  options: { maxVersion?: "TLSv1.2"; cert?: Buffer; key?: Buffer } = {},
): Promise<number> {
  return new Promise((resolve) => {
    const socket = pki.connect(port, options);
    let local = 0;
    socket.once("connect", () => {
      local = socket.localPort ?? 0;
    });
    // With TLS 1.3 a missing client certificate is refused after the client's side of the handshake: the
    // alert arrives on the first read.
    socket.once("secureConnect", () => socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    socket.on("error", () => undefined);
    socket.once("close", () => resolve(local));
  });
}

/** Plain HTTP sent to the TLS port. */
function plainHttp(port: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: "127.0.0.1", port }, () => {
      socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    });
    socket.on("error", () => undefined);
    socket.on("data", () => undefined);
    socket.once("close", () => resolve(socket.localPort ?? 0));
  });
}

beforeAll(async () => {
  pki = new TestPki();
  pki.issue("server");
  pki.issue("stranger", { ca: "other-ca" });
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  const files = {
    GRANIAN_SSL_CERTIFICATE: pki.path("server.pem"),
    GRANIAN_SSL_KEYFILE: pki.path("server.key"),
  };
  tls = await startGateway(emulator, files);
  mutual = await startGateway(emulator, {
    ...files,
    GRANIAN_SSL_CA: pki.path("ca.pem"),
    GRANIAN_SSL_CLIENT_VERIFY: "true",
  });
});
afterAll(async () => {
  await tls?.close();
  await mutual?.close();
  await emulator?.close();
  pki?.remove();
});

describe("failed TLS handshakes", () => {
  it("logs a TLS 1.2 client against the tls1.3 minimum once, with the reason and the peer", async () => {
    const before = failures(tls).length;
    const localPort = await failedHandshake(portOf(tls), { maxVersion: "TLSv1.2" });
    await waitFor(() => failures(tls).length > before);
    const lines = failures(tls).slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: warn,
      ip: "127.0.0.1",
      port: localPort,
      code: "ERR_SSL_UNSUPPORTED_PROTOCOL",
      reason: "unsupported protocol",
    });
  });

  it("logs plain HTTP on the TLS port", async () => {
    const before = failures(tls).length;
    await plainHttp(portOf(tls));
    await waitFor(() => failures(tls).length > before);
    expect(failures(tls).slice(before)).toEqual([
      expect.objectContaining({ ip: "127.0.0.1", code: "ERR_SSL_HTTP_REQUEST", reason: "http request" }),
    ]);
  });

  it("logs a client without a certificate under mutual TLS, and one from another CA without its bytes", async () => {
    const before = failures(mutual).length;
    await failedHandshake(portOf(mutual));
    await waitFor(() => failures(mutual).length > before);
    expect(failures(mutual).slice(before)).toEqual([
      expect.objectContaining({ ip: "127.0.0.1", reason: "peer did not return a certificate" }),
    ]);

    await failedHandshake(portOf(mutual), { cert: pki.read("stranger.pem"), key: pki.read("stranger.key") });
    await waitFor(() => failures(mutual).length > before + 1);
    const [line] = failures(mutual).slice(before + 1);
    expect(line).toMatchObject({ ip: "127.0.0.1", reason: "client certificate not accepted" });
    expect(line?.code).toMatch(/^[A-Z_]+$/);
    // Nothing of the certificate the client presented: not its body, not its subject.
    const body = pki.read("stranger.pem").toString().split("\n")[2] ?? "";
    expect(body.length).toBeGreaterThan(40);
    expect(mutual.logs.join("\n")).not.toContain(body);
    expect(JSON.stringify(line)).not.toContain("stranger");
  });

  it("bounds the lines of a flood, and counts what it did not log", async () => {
    const gateway = await startGateway(emulator, {
      GRANIAN_SSL_CERTIFICATE: pki.path("server.pem"),
      GRANIAN_SSL_KEYFILE: pki.path("server.key"),
    });
    try {
      const attempts = 120;
      const started = Date.now();
      for (let sent = 0; sent < attempts; sent += 20) {
        await Promise.all(
          Array.from({ length: 20 }, () => failedHandshake(portOf(gateway), { maxVersion: "TLSv1.2" })),
        );
      }
      const seconds = Math.ceil((Date.now() - started) / 1000);
      // Every failure is either its own line or counted in a summary, once the last window has closed.
      const accounted = () =>
        failures(gateway).length + summaries(gateway).reduce((sum, line) => sum + (line.suppressed ?? 0), 0);
      await waitFor(() => accounted() === attempts);
      // At most 10 lines per second, whatever the machine's speed: the windows the flood spanned bound it.
      expect(failures(gateway).length).toBeLessThanOrEqual(10 * (seconds + 1));
      expect(failures(gateway).length).toBeLessThan(attempts);
      expect(summaries(gateway).length).toBeGreaterThan(0);
    } finally {
      await gateway.close();
    }
  });
});
