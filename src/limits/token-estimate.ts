/** Text is counted at about 4 characters a token (English prose in the common tokenizers). */
const charactersPerToken = 4;
/** Longer strings are media (base64 images, documents), counted as one large image (~1,600 tokens on Claude). */
const mediaStringLength = 16_384;
const mediaTokens = 1_600;

/**
 * A cheap, deliberately rough estimate of a request's input tokens, taken from its parsed body before the
 * model is called: every string counts its length ÷ 4, a very long string (media) a flat 1,600. It only has
 * to be close enough to hold back a burst; the usage Bedrock reports replaces it once the call ends.
 */
export function estimateInputTokens(body: unknown): number {
  let characters = 0;
  let media = 0;
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") {
      if (value.length > mediaStringLength) media++;
      else characters += value.length;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (typeof value === "object" && value !== null) {
      for (const item of Object.values(value)) stack.push(item);
    }
  }
  return Math.max(1, Math.ceil(characters / charactersPerToken) + media * mediaTokens);
}
