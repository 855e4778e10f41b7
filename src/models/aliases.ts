/** The Bedrock model id for a caller's model name: an alias from MODEL_ALIASES, or the name as given. */
export function createModelResolver(aliases: Record<string, string>): (name: string) => string {
  const table = new Map(Object.entries(aliases));
  return (name) => table.get(name) ?? name;
}
