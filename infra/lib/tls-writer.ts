/**
 * The init container's program (`node -e`), run from the gateway's own image: that image has no shell,
 * and it is the one image the tasks can pull without internet access. It copies the certificate and key
 * that ECS injected from Secrets Manager into the task's shared TLS volume, which the gateway mounts
 * read-only. The key file is readable by the gateway's group only; nothing is ever printed but a reason.
 */
export const tlsWriterProgram = [
  'const fs = require("node:fs");',
  "const dir = process.argv[1];",
  "const cert = process.env.TLS_CERTIFICATE_PEM;",
  "const key = process.env.TLS_PRIVATE_KEY_PEM;",
  'if (!cert || !cert.includes("-----BEGIN CERTIFICATE-----")) { console.error("TLS_CERTIFICATE_PEM is not a PEM certificate"); process.exit(1); }',
  'if (!key || !/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(key)) { console.error("TLS_PRIVATE_KEY_PEM is not a PKCS#8 PEM key"); process.exit(1); }',
  'fs.writeFileSync(dir + "/certificate.pem", cert, { mode: 0o444 });',
  'fs.writeFileSync(dir + "/private-key.pem", key, { mode: 0o440 });',
].join("\n");

/** Where the shared volume is mounted: a path no image has, so the runtime creates it, owned by root. */
export const tlsDirectory = "/aegis-tls";
export const tlsCertificateFile = `${tlsDirectory}/certificate.pem`;
export const tlsKeyFile = `${tlsDirectory}/private-key.pem`;
