import type { FastifyRequest, FastifyServerOptions, onRequestHookHandler } from "fastify";
import ipaddr from "ipaddr.js";

/** Loopback and the private ranges a VPC load balancer or a sidecar proxy lives in. */
export const defaultProxyTrustedHosts = [
  "127.0.0.0/8",
  "::1/128",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7",
];

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** One PROXY_TRUSTED_HOSTS entry: an address, a CIDR range or "*"; a string explains what is wrong. */
export function parseProxyRange(entry: string): Range | "any" | { error: string } {
  const text = entry.trim();
  if (text === "*") return "any";
  const [address = "", bits, ...extra] = text.split("/");
  const isIPv4 = ipaddr.IPv4.isValidFourPartDecimal(address);
  if (extra.length === 0 && (isIPv4 || ipaddr.IPv6.isValid(address))) {
    const max = isIPv4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
    if (prefix >= 0 && prefix <= max) return [ipaddr.parse(address), prefix];
  }
  return { error: `"${entry}" is not an IP address or CIDR range (host names are not accepted)` };
}

/** Whether a peer address is one of the trusted proxies. IPv4-mapped IPv6 peers match IPv4 ranges. */
export function proxyMatcher(entries: string[]): (address: string) => boolean {
  const parsed = entries.map(parseProxyRange);
  if (parsed.includes("any")) return () => true;
  const ranges = parsed.filter((entry): entry is Range => Array.isArray(entry));
  return (address) => {
    if (!ipaddr.isValid(address)) return false;
    const candidate = ipaddr.process(address);
    return ranges.some(([base, bits]) => base.kind() === candidate.kind() && candidate.match(base, bits));
  };
}

export interface ProxySettings {
  ENABLE_PROXY_HEADERS: boolean;
  PROXY_TRUSTED_HOSTS: string[];
}

/**
 * Fastify's trustProxy: off, X-Forwarded-* are ignored and request.ip is the socket peer. On, Fastify
 * walks X-Forwarded-For from the right while each hop is a trusted proxy, so request.ip is the
 * right-most untrusted entry, and request.protocol follows X-Forwarded-Proto from a trusted peer.
 */
export function trustProxyOption(config: ProxySettings): FastifyServerOptions["trustProxy"] {
  if (!config.ENABLE_PROXY_HEADERS) return false;
  const trusted = proxyMatcher(config.PROXY_TRUSTED_HOSTS);
  return (address: string) => trusted(address);
}

/**
 * The port the client connected to, from X-Forwarded-Port when a trusted proxy sent it (Fastify
 * itself only reads the port from the Host header). Undefined when no trusted proxy said so.
 */
export function forwardedPort(
  request: FastifyRequest,
  trustProxy: FastifyServerOptions["trustProxy"],
): number | undefined {
  if (typeof trustProxy !== "function") return undefined;
  const header = request.headers["x-forwarded-port"];
  const peer = request.raw.socket?.remoteAddress;
  if (typeof header !== "string" || peer === undefined || !trustProxy(peer, 0)) return undefined;
  const last = header.split(",").at(-1)?.trim() ?? "";
  const port = /^\d{1,5}$/.test(last) ? Number(last) : Number.NaN;
  return port > 0 && port < 65536 ? port : undefined;
}

/** An X-Forwarded-For entry as a bare address ("1.2.3.4:80" and "[::1]:80" lose the port), or undefined. */
export function forwardedAddress(entry: string): string | undefined {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text)?.[1];
  const candidate = bracketed ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text)?.[1] ?? text;
  if (ipaddr.IPv4.isValidFourPartDecimal(candidate)) return candidate;
  return ipaddr.IPv6.isValid(candidate) ? candidate : undefined;
}

/**
 * X-Forwarded-For as Fastify should walk it: from the right, up to (not including) the first entry that is
 * not an address. A proxy writes "unknown" (or a name) when it does not know its peer; what lies to the left
 * of that is the unknown peer's own word, so the client is the last hop we can vouch for, and the socket
 * peer when none is left. The client IP that is logged is therefore always an IP.
 */
export function usableForwardedFor(header: string): string | undefined {
  const entries = header.split(",");
  const usable: string[] = [];
  for (let index = entries.length - 1; index >= 0; index--) {
    const address = forwardedAddress(entries[index] ?? "");
    if (address === undefined) break;
    usable.unshift(address);
  }
  return usable.length > 0 ? usable.join(", ") : undefined;
}

/** First onRequest hook when proxy headers are on: request.ip is computed from the header it leaves. */
export const forwardedForHook: onRequestHookHandler = (request, _reply, done) => {
  const headers = request.raw.headers;
  const header = headers["x-forwarded-for"];
  if (typeof header === "string") {
    const usable = usableForwardedFor(header);
    if (usable === undefined) delete headers["x-forwarded-for"];
    else headers["x-forwarded-for"] = usable;
  }
  done();
};
