import type { FastifyRequest, FastifyServerOptions } from "fastify";
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
