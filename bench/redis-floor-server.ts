/**
 * The server of bench/redis-floor.ts: a bare HTTP server that answers every request with "ok" after
 * REDIS_FLOOR_COMMANDS awaited PINGs, one after another, through the gateway's own Redis client
 * (src/store/redis.ts: same ioredis options), after waiting REDIS_FLOOR_WAIT_MS as if for an upstream call
 * (so that, as in the gateway, Redis and this process go idle between requests). REDIS_FLOOR_PORT, REDIS_URL.
 */

import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { SecretBytes } from "../src/config/secret.js";
import { connectRedis } from "../src/store/redis.js";

const port = Number(process.env.REDIS_FLOOR_PORT ?? 4341);
const commands = Number(process.env.REDIS_FLOOR_COMMANDS ?? 0);
const waitMs = Number(process.env.REDIS_FLOOR_WAIT_MS ?? 0);
const client = await connectRedis(new SecretBytes(process.env.REDIS_URL ?? ""), pino({ level: "warn" }));
if (client.status !== "ready") await new Promise((ready) => client.once("ready", ready));

createServer(async (request, response) => {
  request.resume();
  if (waitMs > 0) await sleep(waitMs);
  for (let sent = 0; sent < commands; sent++) await client.ping();
  response.end("ok");
}).listen(port, "127.0.0.1");
