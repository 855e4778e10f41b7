import { envInteger, setting } from "./define.js";

export const embeddingsSettings = {
  EMBEDDINGS_MAX_CONCURRENCY: setting(
    envInteger(8, 1, 256),
    "Bedrock calls one embeddings request may have in flight at once (Titan and Nova take one text per call).",
  ),
  EMBEDDINGS_MAX_INPUTS: setting(
    envInteger(2048, 1, 100_000),
    "Most texts one embeddings request may carry (OpenAI's own limit is 2048); more get a 400.",
  ),
};
