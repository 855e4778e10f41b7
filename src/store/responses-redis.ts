import type { Redis } from "ioredis";
import { REDIS_COMMAND_TIMEOUT_MS } from "./redis.js";
import { type ResponsesStore, type StoredResponse, storeUnavailable } from "./responses-store.js";

const keyPrefix = "aegis:responses:";
const itemPrefix = "aegis:responses:item:";

/**
 * Stored responses in Redis, shared by every gateway instance using it. Each response is one JSON value
 * that expires after the TTL. While Redis is unreachable every call fails at once with a 503 (the client
 * does not queue commands; see src/store/redis.ts) and the client reconnects in the background.
 */
export class RedisResponsesStore implements ResponsesStore {
  readonly kind = "redis";

  constructor(
    private readonly client: Redis,
    private readonly ttlMs: number,
    private readonly release: () => void = () => client.disconnect(),
  ) {}

  async get(id: string): Promise<StoredResponse | undefined> {
    const json = await this.client.get(keyPrefix + id).catch(unavailable);
    return json === null ? undefined : (JSON.parse(json) as StoredResponse);
  }

  async put(id: string, record: StoredResponse, itemIds: readonly string[]): Promise<void> {
    // One round trip; the item index expires with the response it points to.
    const batch = this.client.multi().set(keyPrefix + id, JSON.stringify(record), "PX", this.ttlMs);
    for (const itemId of itemIds) batch.set(itemPrefix + itemId, id, "PX", this.ttlMs);
    const results = await batch.exec().catch(unavailable);
    if (results === null || results.some(([error]) => error)) unavailable();
  }

  async responseOfItem(itemId: string): Promise<string | undefined> {
    return (await this.client.get(itemPrefix + itemId).catch(unavailable)) ?? undefined;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.client.del(keyPrefix + id).catch(unavailable)) > 0;
  }

  async ensureAvailable(): Promise<void> {
    const status = this.client.status;
    if (status === "ready") return;
    // Connecting (at startup, or a reconnect attempt under way): worth a short wait. Between attempts of an
    // outage, or closed: unavailable now.
    if (status !== "connecting" && status !== "connect" && status !== "wait") throw storeUnavailable();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => settle(storeUnavailable()), REDIS_COMMAND_TIMEOUT_MS);
      const ready = () => settle();
      const closed = () => settle(storeUnavailable());
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.client.off("ready", ready);
        this.client.off("close", closed);
        if (error) reject(error);
        else resolve();
      };
      this.client.once("ready", ready);
      this.client.once("close", closed);
    });
  }

  async close(): Promise<void> {
    this.release();
  }
}

function unavailable(): never {
  throw storeUnavailable();
}
