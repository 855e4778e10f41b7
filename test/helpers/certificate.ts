import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A self-signed certificate for `name`, made with openssl (installed by .ci/run); the files are removed later. */
export function selfSignedCertificate(name: string) {
  const dir = mkdtempSync(join(tmpdir(), "aegis-cert-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
      .concat(["-keyout", keyFile, "-out", certFile, "-subj", `/CN=${name}`])
      .concat(["-addext", `subjectAltName=DNS:${name}`]),
    { stdio: "ignore" },
  );
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
