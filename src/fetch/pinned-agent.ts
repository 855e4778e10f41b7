import type { LookupFunction } from "node:net";
import { Agent } from "../http/undici.js";
import type { CheckedTarget } from "./target.js";

/**
 * An undici dispatcher for one hop that can only connect to the addresses already checked: its DNS lookup
 * answers from the check, never from a second query, so a rebinding DNS server gets no second chance.
 * The URL keeps its host name, so the Host header, SNI and certificate verification still use the name.
 */
export function pinnedAgent(target: CheckedTarget, connectTimeoutMs: number, ca?: string | Buffer): Agent {
  const first = target.addresses[0];
  if (!first) throw new Error("a checked target has at least one address");
  const lookup: LookupFunction = (_hostname, options, callback) => {
    // With autoSelectFamily (Node's default) net asks for all addresses and tries them in turn.
    if (options.all) callback(null, target.addresses);
    else callback(null, first.address, first.family);
  };
  // One connection, closed when the hop ends: user-supplied URLs are rarely fetched twice.
  return new Agent({ connect: { lookup, timeout: connectTimeoutMs, ca }, connections: 1 });
}
