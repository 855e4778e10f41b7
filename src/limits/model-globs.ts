/**
 * A key's model scope: globs where `*` is any run of characters and `?` one character; everything else is
 * literal and case-sensitive, as Bedrock model ids are.
 */
export type ModelScope = (model: string) => boolean;

function globPattern(glob: string): string {
  let pattern = "";
  for (const char of glob) {
    if (char === "*") pattern += ".*";
    else if (char === "?") pattern += ".";
    else pattern += char.replace(/[\\^$.|+()[\]{}/-]/g, "\\$&");
  }
  return pattern;
}

export function modelScope(globs: readonly string[]): ModelScope {
  const matcher = new RegExp(`^(?:${globs.map(globPattern).join("|")})$`, "s");
  return (model) => matcher.test(model);
}
