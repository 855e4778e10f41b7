import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConnectionOptions, connect, type TLSSocket } from "node:tls";

function openssl(cwd: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * A throwaway PKI made with the OpenSSL CLI in a temp dir: two CAs, server certificates for
 * localhost/127.0.0.1 and client certificates. EC P-256 keys, so it takes a fraction of a second.
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), "aegis-pki-"));
  private serial = 1;

  constructor() {
    writeFileSync(join(this.dir, "index.txt"), "");
    writeFileSync(
      join(this.dir, "ca.cnf"),
      [
        "[ca]",
        "default_ca = test",
        "[test]",
        "database = index.txt",
        "new_certs_dir = .",
        "serial = serial",
        "default_md = sha256",
        "policy = any",
        "copy_extensions = copy",
        "unique_subject = no",
        "[any]",
        "commonName = supplied",
      ].join("\n"),
    );
    this.authority("ca");
    this.authority("other-ca");
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A TLS client for the server on 127.0.0.1:`port`, trusting this PKI's CA, as a client of "localhost". */
  connect(port: number, options: ConnectionOptions = {}): TLSSocket {
    return connect({ host: "127.0.0.1", port, ca: this.read("ca.pem"), servername: "localhost", ...options });
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  /** A self-signed CA: NAME.pem and NAME.key. */
  authority(name: string): void {
    openssl(
      this.dir,
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
    );
  }

  /**
   * A certificate NAME.pem with its PKCS#8 key NAME.key, signed by a CA, for localhost and 127.0.0.1.
   * `expired` backdates it to 2020. Returns its serial number as Node reports it (hex, upper case).
   */
  issue(name: string, options: { ca?: string; expired?: boolean } = {}): string {
    const ca = options.ca ?? "ca";
    // Serials of one byte below 0x80 print the same in OpenSSL's serial file and in Node.
    const serial = (this.serial++).toString(16).toUpperCase().padStart(2, "0");
    if (this.serial > 0x7f) throw new Error("TestPki issues at most 126 certificates");
    writeFileSync(this.path("serial"), `${serial}\n`);
    openssl(
      this.dir,
      "req",
      "-new",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    );
    const validity = options.expired
      ? ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]
      : ["-days", "2"];
    openssl(
      this.dir,
      "ca",
      "-batch",
      "-config",
      "ca.cnf",
      "-cert",
      `${ca}.pem`,
      "-keyfile",
      `${ca}.key`,
      "-in",
      `${name}.csr`,
      "-out",
      `${name}.pem`,
      "-notext",
      ...validity,
    );
    return serial;
  }

  /** NAME.key re-encrypted as PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY) into TARGET. */
  encryptKey(name: string, target: string, password: string): void {
    openssl(
      this.dir,
      "pkcs8",
      "-topk8",
      "-v2",
      "aes-256-cbc",
      "-in",
      `${name}.key`,
      "-out",
      target,
      "-passout",
      `pass:${password}`,
    );
  }

  /** Keys in the formats the gateway refuses: PKCS#1 (RSA) and SEC1 (EC). */
  legacyKeys(): { pkcs1: string; sec1: string } {
    openssl(this.dir, "genrsa", "-traditional", "-out", "pkcs1.key", "2048");
    openssl(this.dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sec1.key");
    return { pkcs1: this.path("pkcs1.key"), sec1: this.path("sec1.key") };
  }

  /** Replaces FILE by SOURCE the way certificate managers do: write beside it, then rename over it. */
  replace(file: string, source: string): void {
    writeFileSync(this.path(`${file}.next`), this.read(source));
    renameSync(this.path(`${file}.next`), this.path(file));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
