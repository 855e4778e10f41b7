import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const src = join(root, "src");
/**
 * The guarded fetcher is the one way out to a user-chosen address; the emulator is a server; src/http/undici.ts
 * gives undici's Pool and Agent their request method (the guarded fetcher's Agent, the Bedrock pool).
 */
const exempt = ["src/fetch/", "src/emulator/", "src/http/undici.ts"];

/** Ways to open a connection or send a request from Node without the guarded fetcher (AWS SDK calls aside). */
const outboundCalls: [name: string, pattern: RegExp][] = [
  ["fetch(", /\bfetch\s*\(/],
  ["http.request / http.get", /\bhttps?\s*\.\s*(request|get)\s*\(/],
  ["http2.connect", /\bhttp2\s*\.\s*connect\s*\(/],
  [
    "undici.request / fetch / stream / pipeline / connect",
    /\bundici\s*\.\s*(request|fetch|stream|pipeline|connect)\b/,
  ],
  ["net.connect / createConnection", /\b(net|tls)\s*\.\s*(connect|createConnection)\s*\(/],
  ["new Socket", /\bnew\s+(net\s*\.\s*)?Socket\s*\(/],
  [
    "import { request, fetch, ... } from undici",
    /import\s*\{[^}]*\b(request|fetch|stream|pipeline|connect)\b[^}]*\}\s*from\s*["']undici["']/,
  ],
  ["undici's request API loaded by path", /undici\/lib\/api/],
  [
    "import { request, get, connect } from node:http(s)/net/tls",
    /import\s*\{[^}]*\b(request|get|connect|createConnection)\b[^}]*\}\s*from\s*["'](node:)?(https?|net|tls|http2)["']/,
  ],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

function findOutboundCalls(code: string): string[] {
  return outboundCalls.filter(([, pattern]) => pattern.test(code)).map(([name]) => name);
}

describe("every outbound request to a user-chosen address goes through src/fetch/", () => {
  it("finds no other HTTP or socket client call in src/", () => {
    const files = sourceFiles(src).filter(
      (path) => !exempt.some((dir) => relative(root, path).startsWith(dir)),
    );
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap((path) =>
      findOutboundCalls(readFileSync(path, "utf8")).map((call) => `${relative(root, path)}: ${call}`),
    );
    expect(offenders).toEqual([]);
  });

  it("would catch each kind of call", () => {
    const samples = [
      "await fetch(url)",
      "globalThis.fetch (url)",
      "http.request(options)",
      "https.get(url, cb)",
      "undici.request(url)",
      "net.connect({ host })",
      "net.createConnection(port)",
      "tls.connect(443, host)",
      "new net.Socket()",
      'import { request } from "undici";',
      'import { Agent, fetch } from "undici";',
      'import { request as send } from "node:https";',
      'import { connect } from "net";',
      'const send = require("undici/lib/api/api-request.js");',
    ];
    for (const sample of samples) expect(findOutboundCalls(sample), sample).not.toEqual([]);
  });

  it("leaves the AWS SDK's agents and plain words alone", () => {
    const harmless = [
      'import { Agent as HttpsAgent } from "node:https";',
      "const prefetched = await catalogue.list();",
      "// requests are refused before any connection",
      "reply.request.headers",
    ];
    for (const sample of harmless) expect(findOutboundCalls(sample), sample).toEqual([]);
  });

  it("checks that undici's request API comes from the one exempt wrapper, which the fetcher uses", () => {
    const wrapper = readFileSync(join(src, "http/undici.ts"), "utf8");
    expect(findOutboundCalls(wrapper)).toContain("undici's request API loaded by path");
    const fetcher = readFileSync(join(src, "fetch/guarded-fetch.ts"), "utf8");
    expect(fetcher).toMatch(/\bagent\.request\(/);
  });
});
