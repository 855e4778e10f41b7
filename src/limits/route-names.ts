/** The route families a key can be scoped to (the `routes` field of a key store entry). */
export const ROUTE_NAMES = ["chat", "responses", "embeddings", "messages", "count_tokens", "models"] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

/** Route patterns (as Fastify registered them, prefix included) by their ending, longest first. */
const endings: [string, RouteName][] = [
  ["/v1/messages/count_tokens", "count_tokens"],
  ["/v1/chat/completions", "chat"],
  ["/v1/embeddings", "embeddings"],
  ["/v1/responses/*", "responses"],
  ["/v1/responses", "responses"],
  ["/v1/messages", "messages"],
  ["/v1/models/*", "models"],
  ["/v1/models", "models"],
];

/**
 * The route family of a registered route pattern (`request.routeOptions.url`), whatever the dialect's prefix;
 * undefined for routes no key scope names (the health check) and for unknown paths (they answer 404).
 */
export function routeNameOf(pattern: string | undefined): RouteName | undefined {
  if (pattern === undefined) return undefined;
  for (const [ending, name] of endings) if (pattern.endsWith(ending)) return name;
  return undefined;
}
