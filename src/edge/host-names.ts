import ipaddr from "ipaddr.js";

const label = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;

function isDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split(".").every((part) => label.test(part));
}

/**
 * The host part of a Host header (or of an absolute-form request target's authority), in the form
 * that is compared: lower case, no port, no trailing dot, IPv6 literals in canonical RFC 5952 form
 * (without brackets). Undefined when the value is not a syntactically valid host[:port].
 */
export function normalizeHost(value: string): string | undefined {
  const text = value.trim().toLowerCase();
  let host: string;
  let port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return undefined;
    host = text.slice(1, close);
    port = text.slice(close + 1);
    if (!ipaddr.IPv6.isValid(host) || host.includes("%")) return undefined;
    host = ipaddr.IPv6.parse(host).toRFC5952String();
  } else {
    const colon = text.indexOf(":");
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? "" : text.slice(colon);
    if (host.endsWith(".")) host = host.slice(0, -1);
    if (!isDnsName(host)) return undefined;
  }
  if (port !== "" && !/^:\d{0,5}$/.test(port)) return undefined;
  return host;
}

/** One TRUSTED_HOSTS entry: an exact host, every subdomain of a domain, or anything. */
export type HostPattern =
  | { kind: "exact"; host: string }
  | { kind: "subdomains"; suffix: string }
  | { kind: "any" };

/**
 * Parses a TRUSTED_HOSTS entry. Entries are host names without a port ("api.example.com",
 * "*.example.com", "127.0.0.1", "::1" or "[::1]", or "*"); the error says what is wrong.
 */
export function parseHostPattern(entry: string): HostPattern | { error: string } {
  const text = entry.trim().toLowerCase();
  if (text === "*") return { kind: "any" };
  if (text.startsWith("*.")) {
    const domain = text.slice(2).replace(/\.$/, "");
    if (!isDnsName(domain) || /^\d+$/.test(domain.split(".").at(-1) ?? "")) {
      return { error: `"${entry}" is not a valid wildcard host; use *.example.com` };
    }
    return { kind: "subdomains", suffix: `.${domain}` };
  }
  if (text.includes("*"))
    return { error: `"${entry}": a wildcard is only allowed as the first label (*.example.com)` };
  if (text.includes("/")) return { error: `"${entry}": give a host name, not a URL` };
  if (ipaddr.IPv6.isValid(text)) return { kind: "exact", host: ipaddr.IPv6.parse(text).toRFC5952String() };
  if (text.startsWith("[") ? !text.endsWith("]") : text.includes(":")) {
    return { error: `"${entry}": give the host without a port (the port is not compared)` };
  }
  const host = normalizeHost(text);
  if (host === undefined) return { error: `"${entry}" is not a valid host name` };
  return { kind: "exact", host };
}

/** Whether a normalized host matches a pattern. "*.example.com" matches a.example.com and a.b.example.com, not example.com. */
export function hostMatches(host: string, pattern: HostPattern): boolean {
  switch (pattern.kind) {
    case "any":
      return true;
    case "exact":
      return host === pattern.host;
    case "subdomains":
      return host.length > pattern.suffix.length && host.endsWith(pattern.suffix);
  }
}
