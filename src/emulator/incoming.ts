import type { IncomingHttpHeaders } from "node:http";
import { EmulatedError } from "./exceptions.js";
import type { RequestLike } from "./transport.js";

/** Reading a request as it arrived, the same way for HTTP/1.1 and HTTP/2. */

/** Request bodies above this are refused, to keep a runaway client from exhausting memory. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function readBody(req: RequestLike): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new EmulatedError("ValidationException", "Request body too large.", 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Decoded query parameters; repeated keys become arrays (the shape the SigV4 signer expects). */
export function parseQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const part of raw.split("&")) {
    if (part.length === 0) continue;
    const eq = part.indexOf("=");
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : decode(part.slice(eq + 1));
    const existing = query[key];
    query[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

/** Headers as a test wants to see them: no HTTP/2 pseudo-headers, `host` present in both protocols. */
export function recordedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(":")) copy[name] = value;
  const authority = headers[":authority"];
  if (copy.host === undefined && typeof authority === "string") copy.host = authority;
  return copy;
}
