/** Seeded mutations of valid request bodies, for the bad-input fuzz (test/fuzz-bad-input.test.ts). */

export type Random = () => number;

/** mulberry32: small, fast and seedable, so a failing case can be replayed from its seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

/** Text without "@@", so no mutation ever becomes an emulator directive. */
function randomText(random: Random, length: number): string {
  const alphabets = [
    "abc xyz",
    "é中😀\u0301",
    "\u0000\u001f\u007f\u2028\ufeff",
    '"\\/{}[]<>&%',
    "\ud800\udfff",
  ];
  let text = "";
  for (let i = 0; i < length; i++) {
    const alphabet = pick(random, alphabets);
    text += alphabet[Math.floor(random() * alphabet.length)];
  }
  return text;
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** A value of a random type and size, from the small and ordinary to the absurd. */
export function randomValue(random: Random): unknown {
  const choices: (() => unknown)[] = [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 2 ** 53 + 1,
    () => 1e308,
    () => -1e-308,
    () => 3.5,
    () => "",
    () => randomText(random, 1 + Math.floor(random() * 40)),
    () => "x".repeat(Math.floor(random() * 300_000)),
    () => [],
    () => {},
    () => [randomText(random, 5), 1, null],
    () => ({ type: "text", text: randomText(random, 10) }),
    () => ({ type: randomText(random, 8) }),
    () => Array.from({ length: Math.floor(random() * 2_000) }, () => ({ role: "user", content: "a" })),
    () => nested(1 + Math.floor(random() * 40), "deep", random() < 0.5),
  ];
  return pick(random, choices)();
}

const prototypeKeys = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"];

/** Every path to a node of the JSON value. */
function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(at);
  if (out.length > 500) return out;
  if (Array.isArray(value)) {
    for (const [i, item] of value.slice(0, 20).entries()) paths(item, [...at, i], out);
  } else if (value !== null && typeof value === "object")
    for (const [key, item] of Object.entries(value)) paths(item, [...at, key], out);
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = value;
  return root;
}

function deleteAt(root: unknown, path: (string | number)[]): unknown {
  if (path.length === 0) return root;
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return root;
}

export interface Mutation {
  description: string;
  body: Buffer;
  contentType: string | undefined;
}

/** One to three JSON-level mutations, then, sometimes, damage at the byte level or in the headers. */
export function mutate(random: Random, valid: unknown): Mutation {
  let value: unknown = structuredClone(valid);
  const steps: string[] = [];
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) {
    const all = paths(value);
    const path = pick(random, all);
    const where = path.join(".") || "(root)";
    const kind = random();
    if (kind < 0.5) {
      const replacement = randomValue(random);
      value = setAt(value, path, replacement);
      steps.push(`set ${where} = ${(JSON.stringify(replacement) ?? "undefined").slice(0, 60)}`);
    } else if (kind < 0.7) {
      value = deleteAt(value, path);
      steps.push(`delete ${where}`);
    } else if (kind < 0.85) {
      const target = pick(
        random,
        all.filter((p) => {
          let node: unknown = value;
          for (const key of p) node = (node as Record<string | number, unknown>)[key];
          return node !== null && typeof node === "object" && !Array.isArray(node);
        }),
      );
      if (target) {
        let node: unknown = value;
        for (const key of target) node = (node as Record<string | number, unknown>)[key];
        const key = pick(random, prototypeKeys);
        // defineProperty: a plain assignment to __proto__ would set the prototype, not a key.
        Object.defineProperty(node, key, {
          value: { polluted: true, admin: true },
          enumerable: true,
          configurable: true,
          writable: true,
        });
        steps.push(`add ${key} at ${target.join(".") || "(root)"}`);
      }
    } else {
      value = pick(random, [[value], "string body", 42, null, { wrapped: value }]);
      steps.push("replace the whole body");
    }
  }
  let body = Buffer.from(JSON.stringify(value) ?? "null");
  let contentType: string | undefined = "application/json";
  const damage = random();
  if (damage < 0.1) {
    // Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong encoding, a 0xff.
    const bad = pick(random, [[0x80], [0xc3], [0xc0, 0xaf], [0xff], [0xed, 0xa0, 0x80]]);
    const at = Math.floor(random() * body.length);
    body = Buffer.concat([body.subarray(0, at), Buffer.from(bad), body.subarray(at)]);
    steps.push("invalid UTF-8 bytes");
  } else if (damage < 0.15) {
    body = body.subarray(0, Math.floor(random() * body.length));
    steps.push("truncated");
  } else if (damage < 0.22) {
    contentType = pick(random, [
      undefined,
      "text/plain",
      "application/json; charset=latin1",
      "application/x-www-form-urlencoded",
      "application/json; charset=utf-16",
      "multipart/form-data; boundary=x",
    ]);
    steps.push(`content-type ${contentType}`);
  }
  return { description: steps.join(", "), body, contentType };
}
