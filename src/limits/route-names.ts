/** The route families a key can be scoped to (the `routes` field of a key store entry). */
export const ROUTE_NAMES = ["chat", "responses", "embeddings", "messages", "count_tokens", "models"] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

/** Route patterns (as Fastify registered them, prefix included, parameters in any style), first match wins. */
const families: [RegExp, RouteName][] = [
  [/\/v1\/messages\/count_tokens$/, "count_tokens"],
  [/\/v1\/chat\/completions$/, "chat"],
  [/\/v1\/embeddings$/, "embeddings"],
  [/\/v1\/responses(?:\/|$)/, "responses"],
  [/\/v1\/messages$/, "messages"],
  [/\/v1\/models(?:\/|$)/, "models"],
];

/**
 * The route family of a registered route pattern (`request.routeOptions.url`), whatever the dialect's prefix;
 * "other" for a registered route no family names (a key scoped to routes may not use it: routes added later
 * stay closed to scoped keys until they are named here); undefined for unknown paths (they answer 404).
 */
export function routeNameOf(pattern: string | undefined): RouteName | "other" | undefined {
  if (pattern === undefined) return undefined;
  let name = known.get(pattern);
  if (name === undefined) {
    name = "other";
    for (const [family, familyName] of families) {
      if (family.test(pattern)) {
        name = familyName;
        break;
      }
    }
    // Patterns are the registered routes', a few dozen; the bound is only a safeguard.
    if (known.size >= 1_000) known.clear();
    known.set(pattern, name);
  }
  return name;
}

/** Each registered pattern's family, worked out on its first request rather than on every one. */
const known = new Map<string, RouteName | "other">();
