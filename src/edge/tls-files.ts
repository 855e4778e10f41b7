import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { ConfigError } from "../config/config-error.js";
import type { SecretBytes } from "../config/secret.js";

export interface TlsSettings {
  GRANIAN_SSL_CERTIFICATE?: string | undefined;
  GRANIAN_SSL_KEYFILE?: string | undefined;
  GRANIAN_SSL_KEYFILE_PASSWORD?: SecretBytes | undefined;
  GRANIAN_SSL_PROTOCOL_MIN: "TLSv1.2" | "TLSv1.3";
  GRANIAN_SSL_CA?: string | undefined;
  GRANIAN_SSL_CLIENT_VERIFY: boolean;
}

/** Certificate, key and CA as read from disk and checked, ready for a TLS server. */
export interface TlsFiles {
  context: SecureContextOptions;
  /** What the log says about the certificate in use. */
  certificate: { subject: string; serialNumber: string; validTo: string; fingerprint256: string };
}

const fail = (name: string, message: string): never => {
  throw new ConfigError(`Invalid configuration: ${name}: ${message}`);
};

function read(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    return fail(name, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/** The labels of the PEM blocks in a file, read without turning the key material into a string. */
function pemLabels(pem: Buffer): string[] {
  const labels: string[] = [];
  let at = pem.indexOf("-----BEGIN ");
  while (at >= 0) {
    const end = pem.indexOf("-----", at + 11);
    if (end < 0 || end - at > 80) break;
    labels.push(pem.subarray(at + 11, end).toString("latin1"));
    at = pem.indexOf("-----BEGIN ", end);
  }
  return labels;
}

const toPkcs8 =
  "convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in server.key -out server.pkcs8.key";

/**
 * The private key as PKCS#8 PEM bytes for OpenSSL. An encrypted key is decrypted here, with the
 * password as bytes, because Node's TLS server would otherwise keep the password as a string.
 */
function readKey(path: string, password: SecretBytes | undefined): { pem: Buffer; key: KeyObject } {
  const name = "GRANIAN_SSL_KEYFILE";
  const pem = read(name, path);
  const label = pemLabels(pem).find((candidate) => candidate.endsWith("PRIVATE KEY"));
  if (label === "RSA PRIVATE KEY") return fail(name, `the key is PKCS#1 (BEGIN RSA PRIVATE KEY); ${toPkcs8}`);
  if (label === "EC PRIVATE KEY") return fail(name, `the key is SEC1 (BEGIN EC PRIVATE KEY); ${toPkcs8}`);
  if (label === "PRIVATE KEY") {
    try {
      return { pem, key: createPrivateKey({ key: pem, format: "pem" }) };
    } catch {
      return fail(name, "the PKCS#8 key cannot be parsed");
    }
  }
  if (label !== "ENCRYPTED PRIVATE KEY") {
    return fail(
      name,
      `${path} holds no PEM private key (expected BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY)`,
    );
  }
  if (password === undefined) return fail(name, "the key is encrypted; set GRANIAN_SSL_KEYFILE_PASSWORD");
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem", passphrase: password.bytes() });
  } catch {
    return fail(name, "the key cannot be decrypted with GRANIAN_SSL_KEYFILE_PASSWORD");
  }
  return { pem: Buffer.from(key.export({ format: "pem", type: "pkcs8" })), key };
}

function readCertificate(name: string, path: string): { pem: Buffer; certificate: X509Certificate } {
  const pem = read(name, path);
  try {
    return { pem, certificate: new X509Certificate(pem) };
  } catch {
    return fail(name, `${path} holds no PEM certificate`);
  }
}

/**
 * Reads and checks the TLS files: readable, a PKCS#8 key that matches a certificate that has not
 * expired, a parseable CA. Throws ConfigError with one line naming the variable at fault.
 */
export function readTlsFiles(settings: TlsSettings, now = new Date()): TlsFiles {
  const certificatePath = settings.GRANIAN_SSL_CERTIFICATE;
  const keyPath = settings.GRANIAN_SSL_KEYFILE;
  if (certificatePath === undefined || keyPath === undefined) {
    return fail("GRANIAN_SSL_CERTIFICATE", "TLS needs both GRANIAN_SSL_CERTIFICATE and GRANIAN_SSL_KEYFILE");
  }
  const { pem: cert, certificate } = readCertificate("GRANIAN_SSL_CERTIFICATE", certificatePath);
  const { pem: key, key: keyObject } = readKey(keyPath, settings.GRANIAN_SSL_KEYFILE_PASSWORD);
  if (!certificate.checkPrivateKey(keyObject)) {
    fail("GRANIAN_SSL_KEYFILE", `the key does not belong to the certificate in ${certificatePath}`);
  }
  if (new Date(certificate.validTo) < now) {
    fail(
      "GRANIAN_SSL_CERTIFICATE",
      `the certificate expired on ${new Date(certificate.validTo).toISOString()}`,
    );
  }
  const context: SecureContextOptions = { cert, key, minVersion: settings.GRANIAN_SSL_PROTOCOL_MIN };
  if (settings.GRANIAN_SSL_CA !== undefined) {
    context.ca = readCertificate("GRANIAN_SSL_CA", settings.GRANIAN_SSL_CA).pem;
  }
  try {
    createSecureContext(context);
  } catch (error) {
    fail("GRANIAN_SSL_CERTIFICATE", `OpenSSL refuses the files: ${(error as Error).message}`);
  }
  return {
    context,
    certificate: {
      subject: certificate.subject.replaceAll("\n", ", "),
      serialNumber: certificate.serialNumber,
      validTo: new Date(certificate.validTo).toISOString(),
      fingerprint256: certificate.fingerprint256,
    },
  };
}
