import { envInteger, setting } from "./define.js";

export const embeddingsSettings = {
  EMBEDDINGS_MAX_CONCURRENCY: setting(
    envInteger(8, 1, 256),
    "Bedrock calls one embeddings request may have in flight at once (Titan and Nova take one text per call).",
  ),
  EMBEDDINGS_MAX_CONCURRENCY_TOTAL: setting(
    envInteger(64, 1, 4096),
    "Bedrock embeddings calls the whole gateway may have in flight at once, all requests together; calls past it wait their turn in arrival order.",
  ),
  EMBEDDINGS_MAX_INPUTS: setting(
    envInteger(2048, 1, 100_000),
    "Most texts one embeddings request may carry (OpenAI's own limit is 2048); more get a 400.",
  ),
};
