"use strict";
// CloudFormation custom resource: writes a self-signed TLS certificate and its key into a Secrets Manager
// secret, for end-to-end TLS between the ALB and the gateway (the ALB encrypts to targets but never
// validates their certificate). Node can make keys but not certificates, and this function must deploy
// without bundling or dependencies, so the few DER structures of an X.509 certificate are encoded here.
const crypto = require("node:crypto");

/** DER length octets. */
function length(size) {
  if (size < 0x80) return Buffer.from([size]);
  const bytes = [];
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag, ...parts) => {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
};
const sequence = (...parts) => tlv(0x30, ...parts);
const set = (...parts) => tlv(0x31, ...parts);
const octetString = (content) => tlv(0x04, content);
const bitString = (content, unusedBits = 0) => tlv(0x03, Buffer.from([unusedBits]), content);
const explicit = (number, content) => tlv(0xa0 | number, content);
const nullValue = Buffer.from([0x05, 0x00]);

function oid(text) {
  const [first, second, ...rest] = text.split(".").map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) groups.unshift(0x80 | (value & 0x7f));
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(date) {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${text.slice(2)}Z`, "ascii"))
    : tlv(0x18, Buffer.from(`${text}Z`, "ascii"));
}

const name = (commonName) =>
  sequence(set(sequence(oid("2.5.4.3"), tlv(0x0c, Buffer.from(commonName, "utf8")))));
const extension = (id, critical, value) =>
  sequence(oid(id), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), octetString(value));

/** An RSA-2048 key (PKCS#8 PEM, as the gateway requires) and a self-signed server certificate for it. */
function selfSignedCertificate(commonName, validityDays, now = new Date()) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // positive and without a leading zero octet
  const signatureAlgorithm = sequence(oid("1.2.840.113549.1.1.11"), nullValue); // sha256WithRSAEncryption
  const notAfter = new Date(now.getTime() + validityDays * 86_400_000);
  const tbs = sequence(
    explicit(0, tlv(0x02, Buffer.from([0x02]))), // version 3
    tlv(0x02, serial),
    signatureAlgorithm,
    name(commonName),
    sequence(time(new Date(now.getTime() - 3_600_000)), time(notAfter)),
    name(commonName),
    publicKey.export({ type: "spki", format: "der" }),
    explicit(
      3,
      sequence(
        extension("2.5.29.19", true, sequence()), // basicConstraints: not a CA
        extension("2.5.29.15", true, bitString(Buffer.from([0xa0]), 5)), // digitalSignature, keyEncipherment
        extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"))), // serverAuth
        extension("2.5.29.17", false, sequence(tlv(0x82, Buffer.from(commonName, "ascii")))), // dNSName
      ),
    ),
  );
  const signature = crypto.sign("sha256", tbs, privateKey);
  const der = sequence(tbs, signatureAlgorithm, bitString(signature));
  const base64 = der.toString("base64").replace(/.{64}/g, "$&\n");
  return {
    certificate: `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }),
  };
}

/** Create and property changes write a new certificate; the secret itself is CloudFormation's to delete. */
async function handler(event) {
  const { SecretArn, CommonName, ValidityDays } = event.ResourceProperties;
  if (event.RequestType === "Delete") return { PhysicalResourceId: event.PhysicalResourceId };
  const pem = selfSignedCertificate(CommonName, Number(ValidityDays));
  // The Lambda Node.js runtime ships the AWS SDK v3.
  const { SecretsManagerClient, PutSecretValueCommand } = require("@aws-sdk/client-secrets-manager");
  await new SecretsManagerClient({}).send(
    new PutSecretValueCommand({ SecretId: SecretArn, SecretString: JSON.stringify(pem) }),
  );
  return { PhysicalResourceId: `${SecretArn}#self-signed` };
}

module.exports = { handler, selfSignedCertificate };
