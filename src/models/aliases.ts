import { checkModelName } from "./model-name.js";

/**
 * The Bedrock model id for a caller's model name: an alias from MODEL_ALIASES, or the name as given.
 * A name no model id could be is refused first (400 naming `model`).
 */
export function createModelResolver(aliases: Record<string, string>): (name: string) => string {
  const table = new Map(Object.entries(aliases));
  return (name) => table.get(checkModelName(name)) ?? name;
}
