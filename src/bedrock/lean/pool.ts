import { Pool } from "../../http/undici.js";

export interface PoolLimits {
  connections?: number;
  /** BEDROCK_CONNECT_TIMEOUT: TCP and TLS handshake. */
  connectTimeoutMs?: number;
}

/**
 * HTTP/1.1 keep-alive connections to the one Bedrock Runtime endpoint. The SDK's default handler opens a
 * connection (a TCP and TLS handshake) per call; a pool pays that once per connection and reuses it.
 */
export function bedrockPool(origin: string, limits: PoolLimits = {}): Pool {
  return new Pool(origin, {
    // As many parallel calls as the gateway admits (BEDROCK_MAX_CONCURRENT_CALLS), like the SDK handler's agent.
    connections: limits.connections ?? 512,
    pipelining: 1,
    connect: { timeout: limits.connectTimeoutMs ?? 5_000 },
    // No timers here: AI_RESPONSE_TIMEOUT is enforced above the transport (watched-runtime.ts), where the clock
    // runs only while the gateway waits for Bedrock. undici's bodyTimeout would also count the time a slow
    // client takes to read, while backpressure holds the body paused.
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
