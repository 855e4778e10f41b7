import { Pool } from "../../http/undici.js";

/**
 * HTTP/1.1 keep-alive connections to the one Bedrock Runtime endpoint. The SDK's default handler opens a
 * connection (a TCP and TLS handshake) per call; a pool pays that once per connection and reuses it.
 */
export function bedrockPool(origin: string): Pool {
  return new Pool(origin, {
    // As many parallel calls as the SDK handler's agent allows (maxSockets 512).
    connections: 512,
    pipelining: 1,
    connect: { timeout: 5_000 },
    // Like the stock handler: no overall deadline on a call, a long generation may take minutes.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

/** Header values as one string each, the shape the SDK hands its exceptions and retry logic. */
export function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
