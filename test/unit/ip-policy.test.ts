import { describe, expect, it } from "vitest";
import { ipLiteral, judgeAddress } from "../../src/fetch/ip-policy.js";

/** B: refused whatever the switch says. P: refused unless SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS=false. A: allowed. */
type Expect = "B" | "P" | "A";

/** What Node's URL parser makes of a raw URL's host, and how the policy judges the result. */
const urls: [raw: string, host: string, verdict: Expect][] = [
  // loopback in every IPv4 notation the URL standard accepts
  ["http://127.0.0.1/", "127.0.0.1", "B"],
  ["http://127.1/", "127.0.0.1", "B"],
  ["http://0x7f.1/", "127.0.0.1", "B"],
  ["http://0x7f000001/", "127.0.0.1", "B"],
  ["http://0X7F.0X0.0X0.0X1/", "127.0.0.1", "B"],
  ["http://2130706433/", "127.0.0.1", "B"],
  ["http://017700000001/", "127.0.0.1", "B"],
  ["http://0177.0.0.1/", "127.0.0.1", "B"],
  ["http://0177.0000.0000.0001/", "127.0.0.1", "B"],
  ["http://%31%32%37.0.0.1/", "127.0.0.1", "B"],
  ["http://127\u30020\u30020\u30021/", "127.0.0.1", "B"],
  ["http://127.255.255.254:8080/", "127.255.255.254", "B"],
  // loopback in IPv6 forms
  ["http://[::1]/", "[::1]", "B"],
  ["http://[0:0:0:0:0:0:0:1]/", "[::1]", "B"],
  ["http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]", "B"],
  ["http://[0:0:0:0:0:ffff:127.0.0.1]/", "[::ffff:7f00:1]", "B"],
  ["http://[::ffff:7f00:1]/", "[::ffff:7f00:1]", "B"],
  ["http://[::ffff:0:127.0.0.1]/", "[::ffff:0:7f00:1]", "B"],
  ["http://[::127.0.0.1]/", "[::7f00:1]", "B"],
  ["http://[64:ff9b::127.0.0.1]/", "[64:ff9b::7f00:1]", "B"],
  ["http://[2002:7f00:1::]/", "[2002:7f00:1::]", "B"],
  // Teredo whose (inverted) client address is 127.0.0.1
  ["http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "[2001:0:4136:e378:8000:63bf:80ff:fffe]", "B"],
  // unspecified: connecting to it reaches the local host
  ["http://0/", "0.0.0.0", "B"],
  ["http://0.0.0.0/", "0.0.0.0", "B"],
  ["http://[::]/", "[::]", "B"],
  ["http://[::ffff:0.0.0.0]/", "[::ffff:0:0]", "B"],
  // instance metadata, ECS credentials, link-local
  ["http://169.254.169.254/", "169.254.169.254", "B"],
  ["http://0xa9fea9fe/", "169.254.169.254", "B"],
  ["http://2852039166/", "169.254.169.254", "B"],
  ["http://0251.0376.0251.0376/", "169.254.169.254", "B"],
  ["http://169.254.43518/", "169.254.169.254", "B"],
  ["http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254", "B"],
  ["http://[::ffff:169.254.169.254]/", "[::ffff:a9fe:a9fe]", "B"],
  ["http://[64:ff9b::a9fe:a9fe]/", "[64:ff9b::a9fe:a9fe]", "B"],
  ["http://[2002:a9fe:a9fe::1]/", "[2002:a9fe:a9fe::1]", "B"],
  ["http://[fd00:ec2::254]/", "[fd00:ec2::254]", "B"],
  ["http://169.254.170.2/", "169.254.170.2", "B"],
  ["http://[fe80::1]/", "[fe80::1]", "B"],
  ["http://[fe80::a9fe:a9fe]/", "[fe80::a9fe:a9fe]", "B"],
  // private networks, CGNAT, unique local
  ["http://10.0.0.1/", "10.0.0.1", "P"],
  ["http://0xa.1/", "10.0.0.1", "P"],
  ["http://167772161/", "10.0.0.1", "P"],
  ["http://172.16.0.1/", "172.16.0.1", "P"],
  ["http://172.31.255.255/", "172.31.255.255", "P"],
  ["http://192.168.1.1/", "192.168.1.1", "P"],
  ["http://3232235777/", "192.168.1.1", "P"],
  ["http://0300.0250.1.1/", "192.168.1.1", "P"],
  ["http://100.64.0.1/", "100.64.0.1", "P"],
  ["http://100.127.255.254/", "100.127.255.254", "P"],
  ["http://[fc00::1]/", "[fc00::1]", "P"],
  ["http://[fd12:3456:789a::1]/", "[fd12:3456:789a::1]", "P"],
  ["http://[fec0::1]/", "[fec0::1]", "P"],
  ["http://[::ffff:10.0.0.1]/", "[::ffff:a00:1]", "P"],
  ["http://[64:ff9b::192.168.0.1]/", "[64:ff9b::c0a8:1]", "P"],
  // reserved, documentation, benchmarking, broadcast, multicast, special-purpose IPv6
  ["http://192.0.0.1/", "192.0.0.1", "B"],
  ["http://192.0.2.1/", "192.0.2.1", "B"],
  ["http://198.51.100.7/", "198.51.100.7", "B"],
  ["http://203.0.113.9/", "203.0.113.9", "B"],
  ["http://198.18.0.1/", "198.18.0.1", "B"],
  ["http://198.19.255.255/", "198.19.255.255", "B"],
  ["http://192.88.99.1/", "192.88.99.1", "B"],
  ["http://240.0.0.1/", "240.0.0.1", "B"],
  ["http://255.255.255.255/", "255.255.255.255", "B"],
  ["http://4294967295/", "255.255.255.255", "B"],
  ["http://224.0.0.1/", "224.0.0.1", "B"],
  ["http://239.255.255.250/", "239.255.255.250", "B"],
  ["http://[ff02::1]/", "[ff02::1]", "B"],
  ["http://[ff05::1:3]/", "[ff05::1:3]", "B"],
  ["http://[2001:db8::1]/", "[2001:db8::1]", "B"],
  ["http://[3fff::1]/", "[3fff::1]", "B"],
  ["http://[2001:2::1]/", "[2001:2::1]", "B"],
  ["http://[100::1]/", "[100::1]", "B"],
  ["http://[64:ff9b:1::a00:1]/", "[64:ff9b:1::a00:1]", "B"],
  ["http://[::7f00:1]/", "[::7f00:1]", "B"],
  ["http://[::a00:1]/", "[::a00:1]", "B"],
  ["http://[5f00::1]/", "[5f00::1]", "B"],
  // globally routable (judged only: no test sends traffic to a public address)
  ["http://1.1.1.1/", "1.1.1.1", "A"],
  ["http://16843009/", "1.1.1.1", "A"],
  ["http://172.32.0.1/", "172.32.0.1", "A"],
  ["http://[2606:4700:4700::1111]/", "[2606:4700:4700::1111]", "A"],
  ["http://[::ffff:1.1.1.1]/", "[::ffff:101:101]", "A"],
  ["http://[64:ff9b::1.1.1.1]/", "[64:ff9b::101:101]", "A"],
  ["http://[2002:101:101::1]/", "[2002:101:101::1]", "A"],
];

const judged = (host: string, blockPrivateNetworks: boolean) => judgeAddress(host, { blockPrivateNetworks });

describe("IP policy over what the URL parser makes of raw URLs", () => {
  it.each(urls)("%s → %s is %s", (raw, host, verdict) => {
    const hostname = new URL(raw).hostname;
    expect(hostname).toBe(host);
    expect(ipLiteral(hostname), "an IP literal, never a name to resolve").toBeDefined();
    expect(judged(hostname, true).allowed, "default policy").toBe(verdict === "A");
    expect(judged(hostname, false).allowed, "private networks allowed").toBe(verdict !== "B");
  });
});

describe("IP policy over resolver answers", () => {
  it.each([
    ["fe80::1%eth0", "B"],
    ["fe80::1%25", "B"],
    ["::ffff:127.0.0.1", "B"],
    ["::ffff:a9fe:a9fe", "B"],
    ["127.0.0.53", "B"],
    ["fd00:ec2::23", "B"],
    ["10.213.0.2", "P"],
    ["fd00::1", "P"],
    ["not-an-address", "B"],
    ["", "B"],
  ] as [string, Expect][])("%s is %s", (address, verdict) => {
    expect(judged(address, true).allowed).toBe(verdict === "A");
    expect(judged(address, false).allowed).toBe(verdict !== "B");
  });

  it("says why an address is refused", () => {
    expect(judged("::ffff:169.254.169.254", false)).toEqual({
      allowed: false,
      reason: "ipv4Mapped embedding 169.254.169.254: linkLocal",
    });
    expect(judged("fd00:ec2::254", false)).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/AWS metadata/),
    });
    expect(judged("10.0.0.1", true)).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/private/),
    });
  });
});

describe("URLs the parser refuses outright", () => {
  it.each(["http://[fe80::1%25eth0]/", "http://4294967296/", "http://[::1/", "http://1.2.3.4.5.6/x"])(
    "%s",
    (raw) => {
      expect(() => new URL(raw)).toThrow();
    },
  );
});

describe("names stay names", () => {
  it.each(["localhost", "localhost.", "127.0.0.1.nip.io", "metadata.google.internal", "0x7f.example"])(
    "%s",
    (host) => {
      expect(ipLiteral(new URL(`http://${host}/`).hostname)).toBeUndefined();
    },
  );
});
