import { createHmac } from "node:crypto";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { type Hmac, SigV4Signer } from "../../src/bedrock/lean/sigv4.js";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const withToken = { ...credentials, sessionToken: "FwoGZXIvYXdzEJr//////////token==" };

/** The SDK's own signer is the reference: the lean one must produce the very same headers. */
async function sdkHeaders(
  path: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  identity: typeof credentials & { sessionToken?: string },
  now: Date,
) {
  const signer = new SignatureV4({
    credentials: identity,
    region: "eu-west-3",
    service: "bedrock",
    sha256: Sha256,
  });
  const signed = await signer.sign(
    { method: "POST", protocol: "https:", hostname: "h", path, query: {}, headers: { ...headers }, body },
    { signingDate: now },
  );
  return signed.headers;
}

const paths = [
  "/model/amazon.nova-micro-v1%3A0/converse",
  "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.amazon.nova-lite-v1%3A0/converse-stream",
  "/model/foo%2F..%2Fbar/converse",
  "/model/../converse",
  "/model/./x/converse/",
  "/base/path/model/a%23b%3Fc%3Dd/invoke",
  "/model/%E2%9C%93%20%21%27%28%29%2A/converse",
];

describe("lean SigV4 signer", () => {
  it.each(paths)("signs %s exactly as @smithy/signature-v4 does", async (path) => {
    const now = new Date("2026-11-29T02:03:04.567Z");
    const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: "héllo\n" }] }] });
    for (const identity of [credentials, withToken]) {
      const headers = {
        host: "bedrock-runtime.eu-west-3.amazonaws.com",
        "content-type": "application/json",
        accept: "  application/json  ",
        "x-tabbed": "a\tb \t c",
        "x-folded": "first\r\n second",
        "x-spaced": "one  two   three ",
        "x-nbsp": "\u00a0edge\u00a0",
      };
      const lean = new SigV4Signer("eu-west-3", "bedrock").sign(
        { method: "POST", path, headers, body },
        identity,
        now,
      );
      expect(lean).toEqual(await sdkHeaders(path, headers, body, identity, now));
    }
  });

  it("signs binary bodies like the SDK", async () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const body = new Uint8Array([0, 1, 2, 250, 255]);
    const headers = { host: "127.0.0.1:4010", "content-type": "application/octet-stream" };
    const lean = new SigV4Signer("eu-west-3", "bedrock").sign(
      { method: "POST", path: "/model/m/invoke", headers, body },
      credentials,
      now,
    );
    expect(lean).toEqual(await sdkHeaders("/model/m/invoke", headers, body, credentials, now));
  });

  it("derives the signing key once per day and credentials, not per request", () => {
    let derivations = 0;
    const counting: Hmac = (key, data) => {
      if (typeof key === "string" && key.startsWith("AWS4")) derivations++;
      return createHmac("sha256", key).update(data).digest();
    };
    const signer = new SigV4Signer("us-east-1", "bedrock", counting);
    const request = { method: "POST", path: "/model/m/converse", headers: { host: "h" }, body: "{}" };
    const day = new Date("2026-11-29T10:00:00Z");
    for (let i = 0; i < 100; i++) signer.sign(request, credentials, new Date(day.getTime() + i * 1000));
    expect(derivations).toBe(1);
    signer.sign(request, credentials, new Date("2026-11-30T00:00:01Z"));
    expect(derivations).toBe(2);
    // Refreshed credentials are a new object: a new key, even on the same day.
    signer.sign(request, { ...credentials }, new Date("2026-11-30T00:00:02Z"));
    expect(derivations).toBe(3);
  });

  it("stays equal to the SDK's signature when one signer signs across seconds, days and paths", async () => {
    const signer = new SigV4Signer("eu-west-3", "bedrock");
    const headers = { host: "bedrock-runtime.eu-west-3.amazonaws.com", "content-type": "application/json" };
    const start = new Date("2026-11-29T23:59:58.900Z").getTime();
    for (const [step, offset] of [0, 50, 1100, 2200, 86_400_000].entries()) {
      const now = new Date(start + offset);
      const path = paths[step % paths.length] ?? "/";
      const body = `{"step":${step}}`;
      const lean = signer.sign({ method: "POST", path, headers, body }, credentials, now);
      expect(lean).toEqual(await sdkHeaders(path, headers, body, credentials, now));
    }
  });
});
