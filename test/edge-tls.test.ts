import { randomBytes } from "node:crypto";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PeerCertificate } from "node:tls";
import OpenAI from "openai";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { ConfigError, loadConfig } from "../src/config/index.js";
import { createDeps } from "../src/deps.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { TestPki } from "./helpers/certificates.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { runMain, startMain } from "./helpers/spawn.js";

const model = "amazon.nova-lite-v1:0";
let pki: TestPki;
let emulator: Emulator;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  pki = new TestPki();
  pki.issue("server");
  pki.issue("client");
  pki.issue("stranger", { ca: "other-ca" });
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await emulator?.close();
  pki?.remove();
});

/** A gateway serving HTTPS with the given TLS settings; its URL is https://127.0.0.1:PORT. */
async function tlsGateway(env: Record<string, string> = {}) {
  const gateway = await startGateway(emulator, {
    GRANIAN_SSL_CERTIFICATE: pki.path("server.pem"),
    GRANIAN_SSL_KEYFILE: pki.path("server.key"),
    ...env,
  });
  gateways.push(gateway);
  return {
    ...gateway,
    url: gateway.url.replace("http://", "https://"),
    port: Number(new URL(gateway.url).port),
  };
}

/** The official OpenAI client over HTTPS, trusting our test CA (and presenting a client certificate if given). */
function openAiOver(url: string, client?: { cert: Buffer; key: Buffer }) {
  const dispatcher = new Agent({ connect: { ca: pki.read("ca.pem"), ...client } });
  return new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: "unused",
    maxRetries: 0,
    fetch: undiciFetch as unknown as typeof fetch,
    fetchOptions: { dispatcher } as object,
  });
}

/** A raw TLS handshake; resolves with the server certificate, rejects with the handshake error. */
function handshake(
  port: number,
  options: { maxVersion?: "TLSv1.2" | "TLSv1.3"; cert?: Buffer; key?: Buffer } = {},
): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = pki.connect(port, options);
    socket.once("secureConnect", () => {
      // With TLS 1.3 the server judges the client certificate after the client's handshake ends:
      // a refusal arrives as an alert on the first read, so exchange one request before deciding.
      socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    });
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.once("error", reject);
    socket.once("end", () => {
      const certificate = socket.getPeerCertificate();
      socket.destroy();
      if (answer.startsWith("HTTP/1.1 200")) resolve(certificate);
      else reject(new Error("the server closed the connection without answering"));
    });
  });
}

const loaded = (gateway: RunningGateway, serial: string) =>
  gateway.logs.some(
    (line) => line.includes("TLS certificate loaded") && line.includes(`"serialNumber":"${serial}"`),
  );

/** Polls until `check` holds; the bound only keeps a broken build from hanging, it measures nothing. */
const waitFor = async (check: () => boolean, what: string, boundMs = 10_000) => {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe("HTTPS", () => {
  it("serves the OpenAI API over HTTPS to the official client, with HSTS", async () => {
    const gateway = await tlsGateway();
    const client = openAiOver(gateway.url);
    const answer = await client.chat.completions
      .create({ model, messages: [{ role: "user", content: "over tls" }] })
      .withResponse();
    expect(answer.data.choices[0]?.message.content).toBe("Echo: over tls");
    expect(answer.response.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    expect(gateway.logs.some((line) => line.includes('"proto":"https"'))).toBe(true);
  });

  it("refuses a TLS 1.2-only client by default and accepts it with GRANIAN_SSL_PROTOCOL_MIN=tls1.2", async () => {
    const strict = await tlsGateway();
    await expect(handshake(strict.port, { maxVersion: "TLSv1.2" })).rejects.toThrow(/protocol|version/i);
    await expect(handshake(strict.port)).resolves.toBeTruthy();
    const lenient = await tlsGateway({ GRANIAN_SSL_PROTOCOL_MIN: "tls1.2" });
    await expect(handshake(lenient.port, { maxVersion: "TLSv1.2" })).resolves.toBeTruthy();
  });

  it("decrypts an encrypted PKCS#8 key with GRANIAN_SSL_KEYFILE_PASSWORD", async () => {
    pki.encryptKey("server", "server-encrypted.key", "correct horse");
    const gateway = await tlsGateway({
      GRANIAN_SSL_KEYFILE: pki.path("server-encrypted.key"),
      GRANIAN_SSL_KEYFILE_PASSWORD: "correct horse",
    });
    await expect(handshake(gateway.port)).resolves.toBeTruthy();
  });
});

describe("mutual TLS", () => {
  let port: number;
  let url: string;
  beforeAll(async () => {
    const gateway = await tlsGateway({
      GRANIAN_SSL_CA: pki.path("ca.pem"),
      GRANIAN_SSL_CLIENT_VERIFY: "true",
    });
    port = gateway.port;
    url = gateway.url;
  });

  it("refuses a client without a certificate", async () => {
    await expect(handshake(port)).rejects.toThrow(/certificate required|alert|ECONNRESET|without answering/i);
  });

  it("refuses a client certificate from another CA", async () => {
    const stranger = { cert: pki.read("stranger.pem"), key: pki.read("stranger.key") };
    await expect(handshake(port, stranger)).rejects.toThrow(/unknown ca|alert|ECONNRESET|without answering/i);
  });

  it("serves a client certificate signed by GRANIAN_SSL_CA, to the official client too", async () => {
    const client = { cert: pki.read("client.pem"), key: pki.read("client.key") };
    await expect(handshake(port, client)).resolves.toBeTruthy();
    const models = await openAiOver(url, client).models.list();
    expect(models.data.length).toBeGreaterThan(0);
    await expect(openAiOver(url).models.list()).rejects.toThrow(/connection/i);
  });
});

describe("certificate reload", () => {
  it("picks up a rotated certificate without a restart while a stream is in flight", async () => {
    pki.issue("rotating");
    const rotated = pki.issue("rotated");
    const gateway = await tlsGateway({
      GRANIAN_SSL_CERTIFICATE: pki.path("rotating.pem"),
      GRANIAN_SSL_KEYFILE: pki.path("rotating.key"),
      TLS_RELOAD_INTERVAL: "50ms",
    });
    const before = await handshake(gateway.port);

    const stream = await openAiOver(gateway.url).chat.completions.create({
      model,
      messages: [{ role: "user", content: "@@slow:60 @@deltas:12 rotation must not cut this stream" }],
      stream: true,
    });
    let text = "";
    let rotatedMidStream = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (text !== "" && !rotatedMidStream) {
        rotatedMidStream = true;
        pki.replace("rotating.key", "rotated.key");
        pki.replace("rotating.pem", "rotated.pem");
        await waitFor(() => loaded(gateway, rotated), "the reload log line");
        expect((await handshake(gateway.port)).serialNumber).toBe(rotated);
      }
    }
    expect(rotatedMidStream).toBe(true);
    expect(text).toBe("Echo: rotation must not cut this stream");
    expect(before.serialNumber).not.toBe(rotated);
  });

  it("keeps the current certificate when the new files do not fit, and reloads on SIGHUP", async () => {
    const first = pki.issue("hup");
    const next = pki.issue("hup-next");
    const gateway = await tlsGateway({
      GRANIAN_SSL_CERTIFICATE: pki.path("hup.pem"),
      GRANIAN_SSL_KEYFILE: pki.path("hup.key"),
      TLS_RELOAD_INTERVAL: "0",
    });
    // Only the certificate replaced: its key does not match, so the old pair stays in use.
    pki.replace("hup.pem", "hup-next.pem");
    process.kill(process.pid, "SIGHUP");
    await waitFor(
      () => gateway.logs.some((line) => line.includes("keeping the current certificate")),
      "a warning",
    );
    expect((await handshake(gateway.port)).serialNumber).toBe(first);

    pki.replace("hup.key", "hup-next.key");
    process.kill(process.pid, "SIGHUP");
    await waitFor(() => loaded(gateway, next), "the reload log line");
    expect((await handshake(gateway.port)).serialNumber).toBe(next);
  });
});

describe("TLS configuration errors", () => {
  const build = (env: Record<string, string>) => {
    const config = loadConfig({ AWS_REGION: "us-east-1", LOG_LEVEL: "silent", ...env });
    return buildApp(config, createDeps(config));
  };
  const tlsEnv = (overrides: Record<string, string>) => ({
    GRANIAN_SSL_CERTIFICATE: pki.path("server.pem"),
    GRANIAN_SSL_KEYFILE: pki.path("server.key"),
    ...overrides,
  });

  beforeAll(() => {
    pki.legacyKeys();
    pki.encryptKey("server", "server-encrypted.key", "correct horse");
  });

  const file = (name: string) => pki.path(name);
  it.each([
    [
      "a missing certificate file",
      () => ({ GRANIAN_SSL_CERTIFICATE: "/nonexistent/cert.pem" }),
      /GRANIAN_SSL_CERTIFICATE: cannot read .*ENOENT/,
    ],
    [
      "a missing key file",
      () => ({ GRANIAN_SSL_KEYFILE: "/nonexistent/key.pem" }),
      /GRANIAN_SSL_KEYFILE: cannot read/,
    ],
    [
      "a key of another certificate",
      () => ({ GRANIAN_SSL_KEYFILE: file("client.key") }),
      /GRANIAN_SSL_KEYFILE: the key does not belong/,
    ],
    [
      "a file that is no certificate",
      () => ({ GRANIAN_SSL_CERTIFICATE: file("server.key") }),
      /GRANIAN_SSL_CERTIFICATE: .* no PEM certificate/,
    ],
    [
      "an encrypted key without password",
      () => ({ GRANIAN_SSL_KEYFILE: file("server-encrypted.key") }),
      /GRANIAN_SSL_KEYFILE: the key is encrypted; set GRANIAN_SSL_KEYFILE_PASSWORD/,
    ],
    [
      "a wrong password",
      () => ({
        GRANIAN_SSL_KEYFILE: file("server-encrypted.key"),
        GRANIAN_SSL_KEYFILE_PASSWORD: "wrong horse",
      }),
      /GRANIAN_SSL_KEYFILE: the key cannot be decrypted/,
    ],
    [
      "a SEC1 EC key",
      () => ({ GRANIAN_SSL_KEYFILE: file("sec1.key") }),
      /GRANIAN_SSL_KEYFILE: the key is SEC1 .*openssl pkcs8 -topk8/,
    ],
    [
      "a CA file that is no certificate",
      () => ({ GRANIAN_SSL_CA: file("ca.key"), GRANIAN_SSL_CLIENT_VERIFY: "true" }),
      /GRANIAN_SSL_CA: .* no PEM certificate/,
    ],
  ])("refuses %s", async (_, overrides, message) => {
    const failure = await build(tlsEnv(overrides())).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(message);
    expect((failure as Error).message).not.toMatch(/horse/);
  });

  it("refuses an expired certificate, and half of a pair", async () => {
    pki.issue("expired", { expired: true });
    const expired = tlsEnv({
      GRANIAN_SSL_CERTIFICATE: file("expired.pem"),
      GRANIAN_SSL_KEYFILE: file("expired.key"),
    });
    await expect(build(expired)).rejects.toThrow(
      /^Invalid configuration: GRANIAN_SSL_CERTIFICATE: the certificate expired on 2020-01-02/,
    );
    expect(() => loadConfig({ GRANIAN_SSL_CERTIFICATE: file("server.pem") })).toThrow(
      /^Invalid configuration: GRANIAN_SSL_KEYFILE: is required with GRANIAN_SSL_CERTIFICATE/,
    );
  });

  it("stops the real entry point with one line for a PKCS#1 key, saying how to convert it", async () => {
    const exit = await runMain({
      AWS_REGION: "us-east-1",
      HOST: "127.0.0.1",
      PORT: "0",
      ...tlsEnv({ GRANIAN_SSL_KEYFILE: file("pkcs1.key") }),
    });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr.trim()).toMatch(
      /^aegis: Invalid configuration: GRANIAN_SSL_KEYFILE: the key is PKCS#1 \(BEGIN RSA PRIVATE KEY\); convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in server.key -out server.pkcs8.key$/,
    );
    expect(exit.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("the key password", () => {
  /** The heap snapshot Node writes on SIGUSR2, once it is complete (it ends with "]}"). */
  async function heapSnapshotIn(dir: string): Promise<string> {
    const tail = Buffer.alloc(8);
    let file = "";
    await waitFor(
      () => {
        const name = readdirSync(dir).find((entry) => entry.endsWith(".heapsnapshot"));
        if (name === undefined) return false;
        file = join(dir, name);
        const size = statSync(file).size;
        if (size < tail.length) return false;
        const handle = openSync(file, "r");
        readSync(handle, tail, 0, tail.length, size - tail.length);
        closeSync(handle);
        return tail.toString("latin1").trimEnd().endsWith("]}");
      },
      "the heap snapshot",
      25_000,
    );
    return readFileSync(file, "latin1");
  }

  // Starting the real entry point and writing a snapshot of its whole heap take a few seconds.
  it("is not in a heap snapshot of the running gateway", { timeout: 45_000 }, async () => {
    const password = randomBytes(18).toString("base64url");
    pki.encryptKey("server", "heap.key", password);
    const dir = mkdtempSync(join(tmpdir(), "aegis-heap-"));
    const main = await startMain(
      {
        AWS_REGION: "us-east-1",
        HOST: "127.0.0.1",
        PORT: "0",
        GRANIAN_SSL_CERTIFICATE: pki.path("server.pem"),
        GRANIAN_SSL_KEYFILE: pki.path("heap.key"),
        GRANIAN_SSL_KEYFILE_PASSWORD: password,
      },
      [`--diagnostic-dir=${dir}`, "--heapsnapshot-signal=SIGUSR2"],
    );
    try {
      expect(main.url).toMatch(/^https:/);
      await expect(handshake(Number(new URL(main.url).port))).resolves.toBeTruthy();
      main.process.kill("SIGUSR2");
      const snapshot = await heapSnapshotIn(dir);
      // The snapshot does hold the program's strings, the variable's name among them...
      expect(snapshot).toContain("GRANIAN_SSL_KEYFILE_PASSWORD");
      // ...but not its value: it lives in a Buffer, whose bytes snapshots leave out.
      expect(snapshot).not.toContain(password);
    } finally {
      await main.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
