import { hash, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import { guardrailIdPattern, guardrailVersionPattern } from "../config/guardrail.js";
import { modelScope } from "../limits/model-globs.js";
import { ROUTE_NAMES } from "../limits/route-names.js";
import { maxKeyLength } from "./key-rules.js";
import { DEFAULT_KEY, type NamedKey } from "./named-key.js";

const positive = (what: string) =>
  z
    .number({ error: `must be a whole number of ${what}` })
    .int(`must be a whole number of ${what}`)
    .min(1, {
      error: `must be at least 1 (leave it out for no limit)`,
    });

const entrySchema = z.strictObject(
  {
    name: z.string({ error: "must be a string" }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      error: "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    }),
    sha256: z.string({ error: "must be a string" }).regex(/^[0-9a-fA-F]{64}$/, {
      error: "must be the key's SHA-256 digest in hex, 64 characters (npx aegis-keys hash)",
    }),
    models: z
      .array(z.string().min(1, { error: "must not be empty" }).max(200), { error: "must be a list of globs" })
      .min(1, { error: "must name at least one model glob (leave it out for every model)" })
      .optional(),
    routes: z
      .array(z.enum(ROUTE_NAMES, { error: `must be one of ${ROUTE_NAMES.join(", ")}` }), {
        error: "must be a list of route names",
      })
      .min(1, { error: "must name at least one route (leave it out for every route)" })
      .optional(),
    rpm: positive("requests per minute").optional(),
    tpm: positive("tokens per minute").optional(),
    max_concurrent: positive("requests").optional(),
    // Replaces the deployment's guardrail for this key's calls; there is no way to ask for none.
    guardrail: z
      .strictObject(
        {
          identifier: z.string({ error: "must be a string" }).max(2048).regex(guardrailIdPattern, {
            error: "must be a guardrail id (lower-case letters and digits) or ARN",
          }),
          version: z
            .string({ error: "must be a string" })
            .regex(guardrailVersionPattern, { error: "must be a version number (1 to 99999999) or DRAFT" }),
        },
        {
          error: (issue) =>
            issue.code === "unrecognized_keys"
              ? `unknown field ${issue.keys.join(", ")}`
              : "must be an object with identifier and version",
        },
      )
      .optional(),
    expires_at: z.iso
      .datetime({ offset: true, error: "must be an ISO 8601 time such as 2027-01-31T00:00:00Z" })
      .optional(),
    disabled: z.boolean({ error: "must be true or false" }).optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.join(", ")}` : undefined,
  },
);

type Entry = z.infer<typeof entrySchema>;

interface StoredKey {
  digest: Buffer;
  key: NamedKey;
  expiresAt: number | undefined;
  disabled: boolean;
}

/** A store document that cannot be used; the message names the entry and field, never a value. */
export class KeyStoreError extends Error {
  override name = "KeyStoreError";
}

/**
 * The named keys, found by the SHA-256 digest of the presented key. The lookup by digest is safe because
 * store keys are high-entropy (`aegis_` + 32 random bytes): how long a lookup takes says something about
 * the digest of what was presented, which its presenter knows anyway, and nothing about a stored key.
 * The match is then confirmed with a constant-time comparison of the two digests.
 */
export class KeyStore {
  readonly #byDigest: Map<string, StoredKey>;

  private constructor(entries: Map<string, StoredKey>) {
    this.#byDigest = entries;
  }

  get size(): number {
    return this.#byDigest.size;
  }

  get names(): string[] {
    return [...this.#byDigest.values()].map((stored) => stored.key.name);
  }

  /** The key presented, if the store holds it and it is neither disabled nor expired at `now`. */
  find(presented: string, now: number): NamedKey | undefined {
    if (presented.length > maxKeyLength) return undefined;
    // One-shot hash to hex: about a fifth of the cost of a Hash object, on every request with a key.
    const digestHex = hash("sha256", presented, "hex");
    const stored = this.#byDigest.get(digestHex);
    if (stored === undefined || !timingSafeEqual(stored.digest, Buffer.from(digestHex, "hex")))
      return undefined;
    if (stored.disabled) return undefined;
    if (stored.expiresAt !== undefined && now >= stored.expiresAt) return undefined;
    return stored.key;
  }

  /** Parses a store document (JSON list of entries); throws KeyStoreError naming the first bad entry and field. */
  static parse(text: string): KeyStore {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      // The parser's own message would quote the text, and the text may be anything.
      throw new KeyStoreError("it is not valid JSON");
    }
    if (!Array.isArray(document)) throw new KeyStoreError("it must be a JSON list of key entries");
    const byDigest = new Map<string, StoredKey>();
    const names = new Set<string>();
    document.forEach((raw: unknown, index) => {
      const label = entryLabel(raw, index);
      if (typeof raw === "object" && raw !== null && "key" in raw) {
        throw new KeyStoreError(
          `${label}: key: the store holds digests only; replace it with sha256 (npx aegis-keys hash)`,
        );
      }
      const parsed = entrySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join(".") ?? "";
        throw new KeyStoreError(
          `${label}: ${field === "" ? "" : `${field}: `}${issue?.message ?? "invalid"}`,
        );
      }
      const entry = parsed.data;
      const digestHex = entry.sha256.toLowerCase();
      if (names.has(entry.name)) throw new KeyStoreError(`${label}: name: another entry has this name`);
      if (entry.name === DEFAULT_KEY.name) {
        throw new KeyStoreError(
          `${label}: name: "default" is the name of the single API_KEY; choose another`,
        );
      }
      if (byDigest.has(digestHex)) throw new KeyStoreError(`${label}: sha256: another entry has this digest`);
      names.add(entry.name);
      byDigest.set(digestHex, stored(entry, digestHex));
    });
    return new KeyStore(byDigest);
  }
}

function entryLabel(raw: unknown, index: number): string {
  const name = (raw as { name?: unknown } | null)?.name;
  // Only a name that is a valid one is repeated in messages: anything else could be a pasted key.
  return typeof name === "string" && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)
    ? `entry ${index} ("${name}")`
    : `entry ${index}`;
}

function stored(entry: Entry, digestHex: string): StoredKey {
  return {
    digest: Buffer.from(digestHex, "hex"),
    key: {
      name: entry.name,
      models: entry.models ? modelScope(entry.models) : undefined,
      routes: entry.routes ? new Set(entry.routes) : undefined,
      rpm: entry.rpm,
      tpm: entry.tpm,
      maxConcurrent: entry.max_concurrent,
      guardrail: entry.guardrail,
    },
    expiresAt: entry.expires_at === undefined ? undefined : Date.parse(entry.expires_at),
    disabled: entry.disabled === true,
  };
}
