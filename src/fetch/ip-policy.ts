import ipaddr from "ipaddr.js";

export interface AddressPolicy {
  /** SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS: when false, private ranges become reachable (never loopback, metadata, ...). */
  blockPrivateNetworks: boolean;
}

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

const allowed: AddressVerdict = { allowed: true };
const blocked = (reason: string): AddressVerdict => ({ allowed: false, reason });

// Ranges ipaddr.js classifies (its range() names) that a deployment may open with the switch; every other
// name except "unicast" is refused always (loopback, linkLocal, unspecified, multicast, reserved, ...).
const privateV4 = new Set(["private", "carrierGradeNat"]);
const privateV6 = new Set(["uniqueLocal", "deprecatedSiteLocal"]);

// What ipaddr.js does not know better: it calls fd00:ec2::254 plain "uniqueLocal", and ::7f00:1 or 100::1
// plain "unicast". Global unicast IPv6 is only ever allocated from 2000::/3 (IANA); nothing outside it is
// a public host.
const awsMetadataV6 = ipaddr.IPv6.parseCIDR("fd00:ec2::/32");
const globalUnicastV6 = ipaddr.IPv6.parseCIDR("2000::/3");
const wellKnownNat64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

function v4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** IPv6 forms that carry an IPv4 address the packet ends up at: judge that address, not the wrapper. */
function embeddedV4(address: ipaddr.IPv6, range: string): ipaddr.IPv4[] | undefined {
  const p = address.parts as number[];
  switch (range) {
    case "ipv4Mapped": // ::ffff:a.b.c.d
    case "rfc6145": // ::ffff:0:a.b.c.d
      return [v4FromParts(p[6]!, p[7]!)];
    case "rfc6052": // NAT64; only the well-known /96 puts the IPv4 in the last 32 bits
      return address.match(wellKnownNat64) ? [v4FromParts(p[6]!, p[7]!)] : undefined;
    case "6to4": // 2002:AABB:CCDD::/48
      return [v4FromParts(p[1]!, p[2]!)];
    case "teredo": // 2001:0:SERVER:flags:port:~CLIENT
      return [v4FromParts(p[2]!, p[3]!), v4FromParts(p[6]! ^ 0xffff, p[7]! ^ 0xffff)];
    default:
      return undefined;
  }
}

function judgeV4(address: ipaddr.IPv4, policy: AddressPolicy): AddressVerdict {
  const range = address.range();
  if (range === "unicast") return allowed;
  if (privateV4.has(range)) return policy.blockPrivateNetworks ? blocked(`private (${range})`) : allowed;
  return blocked(range);
}

function judgeV6(address: ipaddr.IPv6, policy: AddressPolicy): AddressVerdict {
  const range = address.range();
  if (address.match(awsMetadataV6)) return blocked("AWS metadata (fd00:ec2::/32)");
  if (range === "unspecified" || range === "loopback") return blocked(range);
  const inner = embeddedV4(address, range);
  if (inner) {
    for (const v4 of inner) {
      const verdict = judgeV4(v4, policy);
      if (!verdict.allowed) return blocked(`${range} embedding ${v4.toString()}: ${verdict.reason}`);
    }
    return allowed;
  }
  if (range === "rfc6052") return blocked("local-use NAT64 (64:ff9b:1::/48)");
  if (range === "unicast") {
    if (address.match(globalUnicastV6)) return allowed;
    // ::/96 (IPv4-compatible, e.g. ::7f00:1) and every other unallocated block land here.
    return blocked("not global unicast (outside 2000::/3)");
  }
  if (privateV6.has(range)) return policy.blockPrivateNetworks ? blocked(`private (${range})`) : allowed;
  return blocked(range);
}

/**
 * May the gateway connect to this IP address? Accepts any notation ipaddr.js parses (dotted, hex, octal,
 * short IPv4 forms; IPv6 with or without brackets and zone id), so a literal is judged after normalisation.
 */
export function judgeAddress(text: string, policy: AddressPolicy): AddressVerdict {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return blocked("not an IP address");
  const address = ipaddr.parse(bare);
  return address.kind() === "ipv4"
    ? judgeV4(address as ipaddr.IPv4, policy)
    : judgeV6(address as ipaddr.IPv6, policy);
}

/** The normalised text of an IP literal, or undefined for a host name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) ? ipaddr.parse(bare).toString() : undefined;
}
