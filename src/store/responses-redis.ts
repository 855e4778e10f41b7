import type { Redis } from "ioredis";
import { type ResponsesStore, type StoredResponse, storeUnavailable } from "./responses-store.js";

const keyPrefix = "aegis:responses:";

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
  ) {}

  async get(id: string): Promise<StoredResponse | undefined> {
    const json = await this.client.get(keyPrefix + id).catch(unavailable);
    return json === null ? undefined : (JSON.parse(json) as StoredResponse);
  }

  async put(id: string, record: StoredResponse): Promise<void> {
    await this.client.set(keyPrefix + id, JSON.stringify(record), "PX", this.ttlMs).catch(unavailable);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.client.del(keyPrefix + id).catch(unavailable)) > 0;
  }

  ensureAvailable(): void {
    if (this.client.status !== "ready") throw storeUnavailable();
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

function unavailable(): never {
  throw storeUnavailable();
}
