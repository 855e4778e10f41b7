import { NormalizedSchema } from "@smithy/core/schema";
import type { Schema } from "@smithy/types";

/**
 * Where base64 blobs sit in a JSON answer, derived from the SDK's own schema: the SDK turns them into
 * Uint8Array (redacted reasoning, images, documents, video, audio), so the lean transport must too.
 * Compiled once per shape; decoding then walks only the branches that can hold a blob.
 */
export type BlobPlan =
  | { kind: "blob" }
  | { kind: "struct"; members: Map<string, BlobPlan> }
  | { kind: "list"; item: BlobPlan }
  | { kind: "map"; value: BlobPlan };

function compile(schema: NormalizedSchema, building: Map<unknown, BlobPlan>): BlobPlan | undefined {
  if (schema.isBlobSchema()) return { kind: "blob" };
  if (schema.isListSchema()) {
    const item = compile(schema.getValueSchema(), building);
    return item && { kind: "list", item };
  }
  if (schema.isMapSchema()) {
    const value = compile(schema.getValueSchema(), building);
    return value && { kind: "map", value };
  }
  if (!schema.isStructSchema()) return undefined;
  const identity = schema.getSchema();
  const known = building.get(identity);
  // A shape that contains itself: the plan being built is the answer (its members fill in below).
  if (known) return known;
  const members = new Map<string, BlobPlan>();
  const plan: BlobPlan = { kind: "struct", members };
  building.set(identity, plan);
  for (const [name, member] of schema.structIterator()) {
    const memberPlan = compile(member, building);
    if (memberPlan) members.set(name, memberPlan);
  }
  return members.size > 0 ? plan : undefined;
}

export function blobPlan(schema: Schema): BlobPlan | undefined {
  return compile(NormalizedSchema.of(schema), new Map());
}

function bytesOf(base64: string): Uint8Array {
  const buffer = Buffer.from(base64, "base64");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Replaces, in place, the base64 strings the plan points at with their bytes. Returns the value. */
export function decodeBlobs<T>(value: T, plan: BlobPlan | undefined): T {
  if (plan === undefined || value === null || value === undefined) return value;
  if (plan.kind === "blob") return (typeof value === "string" ? bytesOf(value) : value) as T;
  if (typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  switch (plan.kind) {
    case "struct":
      for (const [name, memberPlan] of plan.members) {
        if (record[name] !== undefined) record[name] = decodeBlobs(record[name], memberPlan);
      }
      break;
    case "list":
      if (Array.isArray(value))
        for (let i = 0; i < value.length; i++) value[i] = decodeBlobs(value[i], plan.item);
      break;
    case "map":
      for (const key of Object.keys(record)) record[key] = decodeBlobs(record[key], plan.value);
      break;
  }
  return value;
}

/**
 * JSON.stringify replacer sending Uint8Array as base64, as the SDK serialises blob members. It looks at the
 * holder's own value because Buffer's toJSON would otherwise have turned it into {type, data} already.
 */
export function blobReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array)
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64");
  return value;
}

/**
 * Whether a request holds bytes (an image, a document) anywhere, so needs `blobReplacer`. A replacer makes
 * JSON.stringify call back into JavaScript for every key and value, about twice the cost of serialising a
 * text-only chat request; walking it first costs less than that.
 */
export function holdsBytes(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (value instanceof Uint8Array) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsBytes(item)) return true;
    return false;
  }
  for (const key in value) if (holdsBytes((value as Record<string, unknown>)[key])) return true;
  return false;
}
