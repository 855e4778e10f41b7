import type { Deps } from "../deps.js";

/**
 * GET /health's answer: the process is up, and how loaded Bedrock admission is, all regions together and per
 * region (calls in flight, and calls waiting for a slot). Counts only: nothing about requests, keys or models.
 * It never waits behind Bedrock.
 */
export function healthOf(deps: Pick<Deps, "bedrockCalls">) {
  const calls = deps.bedrockCalls;
  if (calls === undefined) return { status: "ok" };
  return { status: "ok", bedrock: { ...calls.load(), regions: calls.loadByRegion() } };
}
