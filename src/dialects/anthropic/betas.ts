/**
 * `anthropic-beta` values that Claude on Bedrock understands (sent as `anthropic_beta`). Bedrock refuses
 * the whole request for a value it does not know ("invalid beta flag"), and clients such as Claude Code
 * send many Anthropic-only betas, so every other value is dropped. Add a line when Bedrock adopts one.
 */
const bedrockBetas = new Set([
  "computer-use-2024-10-22",
  "computer-use-2025-01-24",
  "token-efficient-tools-2025-02-19",
  "output-128k-2025-02-19",
  "interleaved-thinking-2025-05-14",
  "dev-full-thinking-2025-05-14",
  "context-management-2025-06-27",
  "context-1m-2025-08-07",
  "tool-search-tool-2025-10-19",
  "tool-examples-2025-10-29",
  "effort-2025-11-24",
]);

/** The Bedrock-supported betas among an `anthropic-beta` header (comma-separated, possibly repeated). */
export function bedrockBetasOf(header: string | string[] | undefined): string[] {
  const values = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((value) => value.trim())
    .filter((value) => bedrockBetas.has(value));
  return [...new Set(values)];
}
