import { invalidRequest } from "../errors.js";
import type { ResponsesStore, StoredResponse } from "./responses-store.js";

export interface MemoryStoreLimits {
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
  now: () => number;
}

interface Entry {
  /** Kept serialised: callers never share objects with the store, and its size is known. */
  json: string;
  expiresAt: number;
  itemIds: readonly string[];
}

/**
 * Stored responses in this process's memory, bounded by count, bytes and age. A Map iterates in insertion
 * order and every entry lives the same TTL, so the first entry is always the oldest and the first to expire.
 */
export class MemoryResponsesStore implements ResponsesStore {
  readonly kind = "memory";
  private readonly entries = new Map<string, Entry>();
  /** Item id → id of the response holding it; entries leave with their response. */
  private readonly items = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly limits: MemoryStoreLimits) {}

  async get(id: string): Promise<StoredResponse | undefined> {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.limits.now()) {
      this.remove(id, entry);
      return undefined;
    }
    return JSON.parse(entry.json) as StoredResponse;
  }

  async put(id: string, record: StoredResponse, itemIds: readonly string[]): Promise<void> {
    const json = JSON.stringify(record);
    // Two bytes per UTF-16 code unit bounds what V8 holds for the string.
    const size = json.length * 2;
    if (size > this.limits.maxBytes) {
      throw invalidRequest(
        "This response is too large to store (RESPONSES_STORE_MAX_BYTES); send it with store: false.",
        "store",
      );
    }
    const previous = this.entries.get(id);
    if (previous) this.remove(id, previous);
    this.entries.set(id, { json, expiresAt: this.limits.now() + this.limits.ttlMs, itemIds });
    for (const itemId of itemIds) this.items.set(itemId, id);
    this.bytes += size;
    this.evict();
  }

  async responseOfItem(itemId: string): Promise<string | undefined> {
    return this.items.get(itemId);
  }

  async delete(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.remove(id, entry);
    return entry.expiresAt > this.limits.now();
  }

  async ensureAvailable(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.items.clear();
    this.bytes = 0;
  }

  /** Entries held now (expired ones not yet swept included); for tests. */
  get size(): number {
    return this.entries.size;
  }

  private remove(id: string, entry: Entry): void {
    this.entries.delete(id);
    for (const itemId of entry.itemIds) if (this.items.get(itemId) === id) this.items.delete(itemId);
    this.bytes -= entry.json.length * 2;
  }

  /** Drops expired entries, then the oldest ones while over a bound. */
  private evict(): void {
    const now = this.limits.now();
    for (const [id, entry] of this.entries) {
      const over = this.entries.size > this.limits.maxEntries || this.bytes > this.limits.maxBytes;
      if (!over && entry.expiresAt > now) break;
      this.remove(id, entry);
    }
  }
}
