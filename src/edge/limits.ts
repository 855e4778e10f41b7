import type { ServerOptions } from "node:http";

export interface LimitSettings {
  HTTP_HEADERS_TIMEOUT: number;
  HTTP_REQUEST_TIMEOUT: number;
  HTTP_KEEP_ALIVE_TIMEOUT: number;
  HTTP_MAX_HEADER_SIZE: number;
}

/**
 * Node's own limits for slow and oversized clients. Node checks the header and request timeouts
 * only every connectionsCheckingInterval (30 s by default), so the interval follows the shortest
 * timeout, or a 10 s header timeout would really be 10 to 40 s.
 */
export function nodeServerOptions(config: LimitSettings): ServerOptions {
  const shortest = Math.min(config.HTTP_HEADERS_TIMEOUT, config.HTTP_REQUEST_TIMEOUT);
  return {
    headersTimeout: config.HTTP_HEADERS_TIMEOUT,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT,
    maxHeaderSize: config.HTTP_MAX_HEADER_SIZE,
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(shortest / 4))),
    // A missing Host is answered by the trusted-host hook, in JSON, instead of Node's empty 400.
    requireHostHeader: false,
  };
}
