import { GatewayError } from "../errors.js";

/** One stored response, as the Responses routes keep it. Never holds an API key or AWS credentials. */
export interface StoredResponse {
  /** Hex digest of the API key that created it (see responses-owner.ts); "" when authentication is off. */
  owner: string;
  /** The Response object exactly as it was returned. */
  response: Record<string, unknown>;
  /** This turn's input items, each with an id, in the order given (what input_items lists). */
  input: Record<string, unknown>[];
}

/**
 * Where stored responses live: this process's memory or a Redis shared by every instance. Both expire
 * entries after the same TTL. Failures to reach the store are 503s (`storeUnavailable`).
 */
export interface ResponsesStore {
  readonly kind: "memory" | "redis";
  get(id: string): Promise<StoredResponse | undefined>;
  /** Stores the record, and indexes `itemIds` (its items' ids) for item_reference. */
  put(id: string, record: StoredResponse, itemIds: readonly string[]): Promise<void>;
  /** The id of the stored response holding the item, if any. */
  responseOfItem(itemId: string): Promise<string | undefined>;
  /** Whether something was deleted. */
  delete(id: string): Promise<boolean>;
  /** Rejects with the 503 when the store cannot be reached (waiting briefly while it connects), before any tokens are spent. */
  ensureAvailable(): Promise<void>;
  close(): Promise<void>;
}

export const storeUnavailable = () =>
  new GatewayError(
    "unavailable",
    "The response store is unavailable; stored responses cannot be read or written right now. Requests with store: false still work.",
    { code: "store_unavailable" },
  );
