import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { docx, pdf, png } from "./fixtures/media-server.mjs";
import { selfSignedCertificate } from "./helpers/certificate.js";
import type { RunningGateway } from "./helpers/gateway.js";
import {
  askAbout,
  expectRefusal,
  fileParam,
  openAiClient,
  startLoopbackTrap,
  startMediaGateway,
  tableResolver,
} from "./helpers/media.js";
import {
  createTestNamespace,
  type JsonLineProcess,
  namespaceUnavailable,
  type TestNamespace,
  waitForReady,
} from "./helpers/netns.js";
import { waitFor } from "./helpers/wait.js";

// The positive path for real: an image server on a private address in a network namespace this test makes,
// reached over a veth pair. SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS=false lets the gateway fetch from it;
// the default refuses it. Loopback stays refused either way (a trap on 127.0.0.1 and ::1, same port).
const unavailable = namespaceUnavailable();
const fixture = new URL("./fixtures/media-server.mjs", import.meta.url).pathname;
const limit = 64 * 1024;

let ns: TestNamespace;
let server: JsonLineProcess;
let tlsServer: JsonLineProcess;
let certificate: ReturnType<typeof selfSignedCertificate>;
let tlsBase: string;
let trap: Awaited<ReturnType<typeof startLoopbackTrap>>;
let emulator: Emulator;
let open: RunningGateway;
let strict: RunningGateway;
let slowConnect: RunningGateway;
let client: OpenAI;
let names: ReturnType<typeof tableResolver>;
let base: string;

const requestsSeen = () => server.events.filter((event) => event.request !== undefined);
const connectionsSeen = () => server.events.filter((event) => event.connection !== undefined).length;

function lastConverse() {
  const request = emulator.requests.filter((r) => r.operation.startsWith("Converse")).at(-1);
  if (!request) throw new Error("no Converse call reached the emulator");
  return request.body as {
    messages: {
      content: {
        image?: { format: string; source: { bytes: string } };
        document?: { format: string; name: string; source: { bytes: string } };
      }[];
    }[];
  };
}
const sentImage = () => lastConverse().messages[0]?.content[1]?.image;
const sentDocument = () => lastConverse().messages[0]?.content[1]?.document;

describe.skipIf(unavailable)(
  `fetching from a network namespace${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    beforeAll(async () => {
      ns = createTestNamespace();
      trap = await startLoopbackTrap();
      // Same port in the namespace as the trap's on loopback, so a connection that went to the wrong
      // address would find a server there and succeed, not fail by accident.
      server = await waitForReady(ns.spawn(process.execPath, [fixture, ns.address, String(trap.port)]));
      base = `http://images.test:${server.port}`;
      certificate = selfSignedCertificate("images.test");
      tlsServer = await waitForReady(
        ns.spawn(process.execPath, [fixture, ns.address, "0", certificate.certFile, certificate.keyFile]),
      );
      tlsBase = `https://images.test:${tlsServer.port}`;
      names = tableResolver({
        "images.test": [ns.address],
        "mixed.test": [ns.address, "127.0.0.1"],
        "mixed6.test": [ns.address, "::1"],
        "loop.test": ["127.0.0.1"],
        "other.test": [ns.address],
        "silent.test": [ns.unusedAddress],
        // DNS rebinding: the checked answer first, loopback on every later lookup.
        "rebind.test": (call) => (call === 1 ? [ns.address] : ["127.0.0.1"]),
        "rebind-hop.test": (call) => (call === 1 ? [ns.address] : ["127.0.0.1"]),
      });
      emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
      open = await startMediaGateway(
        emulator,
        {
          SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS: "false",
          MAX_INPUT_FILE_SIZE: String(limit),
          REMOTE_URL_TIMEOUT_SECONDS: "1",
          MAX_CONCURRENT_INPUT_DOWNLOADS: "2",
        },
        names.resolve,
        certificate.cert,
      );
      strict = await startMediaGateway(emulator, {}, names.resolve);
      slowConnect = await startMediaGateway(
        emulator,
        {
          SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS: "false",
          REMOTE_URL_CONNECT_TIMEOUT_SECONDS: "1",
          REMOTE_URL_TIMEOUT_SECONDS: "10",
        },
        names.resolve,
      );
      client = openAiClient(open);
    });
    afterAll(async () => {
      await open?.close();
      await strict?.close();
      await slowConnect?.close();
      await emulator?.close();
      await server?.stop();
      await tlsServer?.stop();
      certificate?.remove();
      await trap?.close();
      ns?.remove();
    });
    beforeEach(() => {
      emulator.reset();
      server.events.length = 0;
      tlsServer.events.length = 0;
      trap.events.length = 0;
    });

    describe("with private networks allowed", () => {
      it("downloads the image and hands its bytes to Bedrock", async () => {
        const answer = await askAbout(client, `${base}/image.png`);
        expect(answer).not.toBeInstanceOf(Error);
        expect(sentImage()?.format).toBe("png");
        expect(Buffer.from(sentImage()?.source.bytes ?? "", "base64")).toEqual(png);
        const [request] = requestsSeen();
        expect(request?.request).toBe("/image.png");
        // Nothing of the caller's request travels to the remote server.
        expect(JSON.stringify(request?.headers)).not.toContain("sk-test-never-forwarded");
        expect(request?.headers?.["user-agent"]).toMatch(/^Aegis/);
        expect(trap.connections()).toBe(0);
      });

      it("takes the namespace address as an IP literal too", async () => {
        expect(await askAbout(client, `http://${ns.address}:${server.port}/image.png`)).not.toBeInstanceOf(
          Error,
        );
      });

      it("refuses a name with one allowed and one blocked address, connecting to neither", async () => {
        for (const name of ["mixed.test", "mixed6.test"]) {
          expectRefusal(await askAbout(client, `http://${name}:${server.port}/image.png`));
        }
        expect(connectionsSeen()).toBe(0);
        expect(trap.connections()).toBe(0);
      });

      it("connects to the checked address, not to what a second DNS answer says (rebinding)", async () => {
        const answer = await askAbout(client, `http://rebind.test:${server.port}/image.png`);
        expect(answer).not.toBeInstanceOf(Error);
        expect(names.calls.get("rebind.test")).toBe(1);
        expect(requestsSeen().map((event) => event.request)).toEqual(["/image.png"]);
        expect(trap.connections()).toBe(0);
      });

      it("checks every redirect hop again, so a rebinding name is refused on its second lookup", async () => {
        const outcome = await askAbout(
          client,
          `http://rebind-hop.test:${server.port}/redirect?to=/image.png`,
        );
        expectRefusal(outcome);
        expect(names.calls.get("rebind-hop.test")).toBe(2);
        expect(requestsSeen().map((event) => event.request)).toEqual(["/redirect?to=/image.png"]);
        expect(trap.connections()).toBe(0);
      });
    });

    describe("redirects", () => {
      it.each([
        "http://127.0.0.1:PORT/image.png",
        "http://0x7f.1:PORT/image.png",
        "http://[::ffff:7f00:1]:PORT/image.png",
        "http://[::1]:PORT/image.png",
        "http://loop.test:PORT/image.png",
        "file:///etc/passwd",
        "ftp://images.test/image.png",
        "http://user:pw@images.test:PORT/image.png",
      ])("to %s is refused", async (template) => {
        const location = encodeURIComponent(template.replace("PORT", String(server.port)));
        expectRefusal(await askAbout(client, `${base}/redirect?to=${location}`));
        expect(trap.connections()).toBe(0);
      });

      it.each([301, 303, 307, 308])("refuses a %i to loopback too", async (status) => {
        const location = encodeURIComponent(`http://127.0.0.1:${server.port}/image.png`);
        expectRefusal(await askAbout(client, `${base}/redirect?status=${status}&to=${location}`));
        expect(requestsSeen()).toHaveLength(1);
        expect(trap.connections()).toBe(0);
      });

      it("follows SSRF_MAX_REDIRECTS (3) hops and refuses a fourth", async () => {
        expect(await askAbout(client, `${base}/chain/3`)).not.toBeInstanceOf(Error);
        expect(requestsSeen().map((event) => event.request)).toEqual([
          "/chain/3",
          "/chain/2",
          "/chain/1",
          "/chain/0",
        ]);
        server.events.length = 0;
        expectRefusal(await askAbout(client, `${base}/chain/4`));
        expect(requestsSeen()).toHaveLength(4);
      });

      it("follows a relative redirect to an image", async () => {
        expect(await askAbout(client, `${base}/redirect?to=/image.png`)).not.toBeInstanceOf(Error);
        expect(sentImage()?.format).toBe("png");
      });
    });

    describe("https", () => {
      it("verifies the certificate for the host name while connecting to the checked address", async () => {
        expect(await askAbout(client, `${tlsBase}/image.png`)).not.toBeInstanceOf(Error);
        expect(tlsServer.events.find((event) => event.servername !== undefined)?.servername).toBe(
          "images.test",
        );
      });

      it("refuses a name or an IP the certificate does not cover", async () => {
        for (const host of ["other.test", ns.address]) {
          expectRefusal(await askAbout(client, `https://${host}:${tlsServer.port}/image.png`));
        }
        expect(open.logs.some((line) => line.includes("ERR_TLS_CERT_ALTNAME_INVALID"))).toBe(true);
      });

      it("follows a redirect from http up to https, never down", async () => {
        const up = encodeURIComponent(`${tlsBase}/image.png`);
        expect(await askAbout(client, `${base}/redirect?to=${up}`)).not.toBeInstanceOf(Error);
        server.events.length = 0;
        const down = encodeURIComponent(`${base}/image.png`);
        expectRefusal(await askAbout(client, `${tlsBase}/redirect?to=${down}`));
        expect(requestsSeen()).toEqual([]);
      });
    });

    describe("limits", () => {
      it("refuses a body over MAX_INPUT_FILE_SIZE with a truthful Content-Length: 413", async () => {
        expectRefusal(await askAbout(client, `${base}/big-cl?bytes=${1024 ** 2}`), {
          status: 413,
          code: "file_too_large",
        });
      });

      it("refuses a chunked body once it passes the limit: 413", async () => {
        expectRefusal(await askAbout(client, `${base}/big?bytes=${1024 ** 2}`), {
          status: 413,
          code: "file_too_large",
        });
      });

      it("counts decoded bytes: a gzip bomb of a few KiB is refused with 413", async () => {
        expectRefusal(await askAbout(client, `${base}/gzip-bomb?bytes=${8 * 1024 ** 2}`), {
          status: 413,
          code: "file_too_large",
        });
      });

      it("accepts a body of exactly the limit, and decodes gzip", async () => {
        expect(await askAbout(client, `${base}/big?bytes=${limit}`)).not.toBeInstanceOf(Error);
        expect(Buffer.from(sentImage()?.source.bytes ?? "", "base64")).toHaveLength(limit);
        expect(await askAbout(client, `${base}/gzip.png`)).not.toBeInstanceOf(Error);
        expect(Buffer.from(sentImage()?.source.bytes ?? "", "base64")).toEqual(png);
      });

      it("holds one deadline for the whole download, and a connect timeout", async () => {
        // Drip-feeding and silent servers meet the 1 s deadline; an address of the test's own subnet that
        // nobody holds never answers the SYN and meets the 1 s connect timeout. All three wait together.
        const [drip, stall, silent] = await Promise.all([
          askAbout(client, `${base}/drip`),
          askAbout(client, `${base}/stall`),
          askAbout(openAiClient(slowConnect), `http://silent.test:${server.port}/image.png`),
        ]);
        expectRefusal(drip);
        expectRefusal(stall);
        expectRefusal(silent);
        const timedOut = open.logs.filter((line) => line.includes("no complete answer within 1000 ms"));
        expect(timedOut).toHaveLength(2);
        expect(slowConnect.logs.some((line) => line.includes("UND_ERR_CONNECT_TIMEOUT"))).toBe(true);
      });

      it("cancels the downloads of a client that goes away", async () => {
        // This gateway would wait 10 s for the silent server; the client leaving must end the download now.
        const controller = new AbortController();
        const pending = openAiClient(slowConnect)
          .chat.completions.create(
            {
              model: "amazon.nova-lite-v1:0",
              messages: [
                { role: "user", content: [{ type: "image_url", image_url: { url: `${base}/stall` } }] },
              ],
            },
            { signal: controller.signal },
          )
          .catch(() => undefined);
        await waitFor(() => requestsSeen().length === 1);
        controller.abort();
        await pending;
        await waitFor(() => server.events.some((event) => event.abandoned === "/stall"));
        expect(emulator.requests.filter((r) => r.operation.startsWith("Converse"))).toEqual([]);
      });

      it("cancels the other downloads of a request once one fails", async () => {
        const images = ["/stall", "/page.html"].map((path) => ({
          type: "image_url" as const,
          image_url: { url: `${base}${path}` },
        }));
        const outcome = await openAiClient(slowConnect)
          .chat.completions.create({
            model: "amazon.nova-lite-v1:0",
            messages: [{ role: "user", content: images }],
          })
          .catch((error: unknown) => error);
        expectRefusal(outcome, {
          code: "unsupported_media_type",
          param: "messages[0].content[1].image_url.url",
        });
        await waitFor(() => server.events.some((event) => event.abandoned === "/stall"));
      });

      it("runs at most MAX_CONCURRENT_INPUT_DOWNLOADS (2) downloads of one request at a time", async () => {
        const images = Array.from({ length: 6 }, (_, index) => ({
          type: "image_url" as const,
          image_url: { url: `${base}/slow-image?ms=200&n=${index}` },
        }));
        await client.chat.completions.create({
          model: "amazon.nova-lite-v1:0",
          messages: [{ role: "user", content: images }],
        });
        const starts = requestsSeen();
        expect(starts).toHaveLength(6);
        expect(Math.max(...starts.map((event) => event.inFlight ?? 0))).toBe(2);
      });

      it("does not answer 500 when the remote server answers an error", async () => {
        expectRefusal(await askAbout(client, `${base}/status/404`));
        expectRefusal(await askAbout(client, `${base}/status/500`));
      });
    });

    describe("content types", () => {
      it.each([
        ["/page.html", 'Unsupported image type "text/html"'],
        ["/fake.png", 'Unsupported image type "image/png"'],
        ["/doc.pdf", 'Unsupported image type "application/pdf"'],
      ])("refuses %s as an image", async (path, message) => {
        const error = expectRefusal(await askAbout(client, `${base}${path}`), {
          code: "unsupported_media_type",
        });
        expect(error.message).toContain(message);
      });

      it.each([
        ["/octet.png", "png"],
        ["/no-type", "png"],
        ["/jpeg-called-png", "jpeg"],
      ])("tells the format of %s from its bytes", async (path, format) => {
        expect(await askAbout(client, `${base}${path}`)).not.toBeInstanceOf(Error);
        expect(sentImage()?.format).toBe(format);
      });

      it.each([
        ["/doc.pdf", "pdf", pdf],
        ["/report.docx", "docx", docx],
        ["/page.html", "html", Buffer.from("<html>hi</html>")],
      ])("sends %s as a %s document", async (path, format, bytes) => {
        expect(await askAbout(client, `${base}${path}`, "file")).not.toBeInstanceOf(Error);
        expect(sentDocument()?.format).toBe(format);
        expect(Buffer.from(sentDocument()?.source.bytes ?? "", "base64")).toEqual(bytes);
      });

      it("refuses an image where a document is expected", async () => {
        const outcome = await askAbout(client, `${base}/image.png`, "file");
        expectRefusal(outcome, { code: "unsupported_media_type", param: fileParam });
      });
    });

    describe("with the default SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS=true", () => {
      it("refuses the private address without connecting to it", async () => {
        for (const url of [`${base}/image.png`, `http://${ns.address}:${server.port}/image.png`]) {
          expectRefusal(await askAbout(openAiClient(strict), url));
        }
        expect(connectionsSeen()).toBe(0);
        expect(strict.logs.some((line) => line.includes("is blocked: private (private)"))).toBe(true);
      });
    });
  },
);
