import { createRequire } from "node:module";
import type * as Undici from "undici";

/**
 * undici's Pool and Agent, without the rest of undici. Its index loads fetch, WebSocket, the cache and the
 * mocks, which Aegis never uses: about 9 MiB of resident memory and 3 MiB of heap (node --expose-gc, require
 * and gc: 60.6 against 51.6 MiB). The classes here add the one API method Aegis calls, `request`, which the
 * index would otherwise mix into every dispatcher. These paths are undici's own files (it has no exports map);
 * an upgrade that moves them fails every Bedrock and download test at once.
 */
const require = createRequire(import.meta.url);
const PoolBase: typeof Undici.Pool = require("undici/lib/dispatcher/pool.js");
const AgentBase: typeof Undici.Agent = require("undici/lib/dispatcher/agent.js");
const apiRequest: (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData> = require("undici/lib/api/api-request.js");

export type Pool = Undici.Pool;
export type Agent = Undici.Agent;

export const Pool = class Pool extends PoolBase {
  override request(options: Undici.Dispatcher.RequestOptions) {
    return apiRequest.call(this, options);
  }
} as unknown as typeof Undici.Pool;

export const Agent = class Agent extends AgentBase {
  override request(options: Undici.Dispatcher.RequestOptions) {
    return apiRequest.call(this, options);
  }
} as unknown as typeof Undici.Agent;
