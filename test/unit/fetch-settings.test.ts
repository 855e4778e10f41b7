import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { sniffDocumentFormat } from "../../src/media/formats.js";

describe("download settings", () => {
  it("default to a guarded, bounded fetcher", () => {
    expect(loadConfig({})).toMatchObject({
      ENABLE_REMOTE_URL_FETCH: true,
      SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS: true,
      SSRF_MAX_REDIRECTS: 3,
      MAX_INPUT_FILE_SIZE: 20 * 1024 ** 2,
      MAX_CONCURRENT_INPUT_DOWNLOADS: 8,
      REMOTE_URL_CONNECT_TIMEOUT_SECONDS: 5,
      REMOTE_URL_TIMEOUT_SECONDS: 20,
    });
  });

  it.each([
    [{ ENABLE_REMOTE_URL_FETCH: "maybe" }, "ENABLE_REMOTE_URL_FETCH"],
    [{ SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS: "nope" }, "SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS"],
    [{ SSRF_MAX_REDIRECTS: "-1" }, "SSRF_MAX_REDIRECTS"],
    [{ SSRF_MAX_REDIRECTS: "100" }, "SSRF_MAX_REDIRECTS"],
    [{ MAX_INPUT_FILE_SIZE: "0" }, "MAX_INPUT_FILE_SIZE"],
    [{ MAX_INPUT_FILE_SIZE: "unlimited" }, "MAX_INPUT_FILE_SIZE"],
    [{ MAX_CONCURRENT_INPUT_DOWNLOADS: "0" }, "MAX_CONCURRENT_INPUT_DOWNLOADS"],
    [{ REMOTE_URL_CONNECT_TIMEOUT_SECONDS: "0" }, "REMOTE_URL_CONNECT_TIMEOUT_SECONDS"],
    [{ REMOTE_URL_TIMEOUT_SECONDS: "1.5" }, "REMOTE_URL_TIMEOUT_SECONDS"],
  ])("refuses %j naming the variable", (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
  });
});

describe("document format from magic numbers", () => {
  const zip = Buffer.from("504b030414000600", "hex");
  const ole = Buffer.from("d0cf11e0a1b11ae1", "hex");
  it.each([
    [Buffer.from("%PDF-1.7"), "/file", "pdf"],
    [Buffer.from("%PDF-1.7"), "/looks-like.docx", "pdf"],
    [zip, "/report.docx", "docx"],
    [zip, "/sheet.XLSX", "xlsx"],
    [zip, "/archive.zip", undefined],
    [zip, "/report.pdf", undefined],
    [ole, "/old.doc", "doc"],
    [ole, "/old.xls", "xls"],
    [ole, "/old.docx", undefined],
    [Buffer.from("a,b\n1,2\n"), "/table.csv", "csv"],
    [Buffer.from("# Title\n"), "/notes.md", "md"],
    [Buffer.from("plain"), "/no-extension", undefined],
    [Buffer.from([0x00, 0x01, 0x02]), "/binary.txt", undefined],
    [Buffer.from("MZ\x90\x00"), "/setup.exe", undefined],
  ])("%s at %s → %s", (bytes, path, format) => {
    expect(sniffDocumentFormat(bytes, path)).toBe(format);
  });
});
