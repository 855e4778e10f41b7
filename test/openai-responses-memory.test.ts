import { describe, expect, it } from "vitest";
import { MemoryResponsesStore } from "../src/store/responses-memory.js";
import type { StoredResponse } from "../src/store/responses-store.js";

const record = (text: string): StoredResponse => ({
  owner: "",
  response: { id: "r", output: [{ id: `msg_${text}`, type: "message" }], text },
  input: [],
});

function storeWith(limits: Partial<{ ttlMs: number; maxEntries: number; maxBytes: number }>) {
  let now = 1_000;
  const store = new MemoryResponsesStore({
    ttlMs: 60_000,
    maxEntries: 100,
    maxBytes: 1_000_000,
    now: () => now,
    ...limits,
  });
  return { store, advance: (ms: number) => (now += ms) };
}

describe("the in-memory responses store", () => {
  it("returns copies, not the stored objects", async () => {
    const { store } = storeWith({});
    const stored = record("a");
    await store.put("a", stored, ["msg_a"]);
    stored.owner = "changed";
    const read = await store.get("a");
    expect(read?.owner).toBe("");
    expect(await store.responseOfItem("msg_a")).toBe("a");
  });

  it("forgets entries after the TTL", async () => {
    const { store, advance } = storeWith({ ttlMs: 1_000 });
    await store.put("a", record("a"), []);
    advance(999);
    expect(await store.get("a")).toBeDefined();
    advance(1);
    expect(await store.get("a")).toBeUndefined();
    expect(await store.delete("a")).toBe(false);
  });

  it("drops the oldest entries past the count bound, with their item index", async () => {
    const { store } = storeWith({ maxEntries: 2 });
    for (const id of ["a", "b", "c"]) await store.put(id, record(id), [`msg_${id}`]);
    expect(await store.get("a")).toBeUndefined();
    expect(await store.responseOfItem("msg_a")).toBeUndefined();
    expect(await store.get("b")).toBeDefined();
    expect(await store.get("c")).toBeDefined();
    expect(store.size).toBe(2);
  });

  it("drops the oldest entries past the byte bound, and refuses one entry larger than it", async () => {
    const size = JSON.stringify(record("a")).length * 2;
    const { store } = storeWith({ maxBytes: size * 2 });
    for (const id of ["a", "b", "c"]) await store.put(id, record(id), []);
    expect(await store.get("a")).toBeUndefined();
    expect(store.size).toBe(2);
    const huge = { ...record("x"), input: [{ text: "x".repeat(size * 2) }] };
    await expect(store.put("x", huge, [])).rejects.toMatchObject({ status: 400, param: "store" });
  });
});
