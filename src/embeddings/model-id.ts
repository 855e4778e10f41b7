/**
 * The foundation-model id inside what a caller may name: a model id (`cohere.embed-v4:0`), a cross-region
 * inference profile id (`us.cohere.embed-v4:0`, `global.…`) or the ARN of either. Families match on this.
 */
export function baseModelId(identifier: string): string {
  const resource = identifier.startsWith("arn:") ? (identifier.split("/").pop() ?? "") : identifier;
  // Profile ids put a geography (us, eu, apac, global, us-gov, …) before the provider: keep provider onwards.
  const profile = /^[a-z]{2,6}(?:-[a-z]+)?\.([a-z0-9-]+\.[^.].*)$/.exec(resource);
  return profile?.[1] ?? resource;
}
