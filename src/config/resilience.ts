import { envBoolean, envByteSize, envDuration, envInteger, setting } from "./define.js";

/** Bounds on time, concurrency and memory, so every request gets an answer and the process stays up. */
export const resilienceSettings = {
  BEDROCK_CONNECT_TIMEOUT: setting(
    envDuration(5_000, 100),
    "Longest wait for a connection (TCP and TLS) to Bedrock, e.g. 5s or 500ms; past it the call fails with 503 (and fails over to the next region, if any).",
    "5s",
  ),
  AI_RESPONSE_TIMEOUT: setting(
    envDuration(600_000, 100),
    "Longest Bedrock may stay silent: before the first byte of its answer, and between two stream events. Past it the Bedrock call is aborted and the client gets 504 (or, mid-stream, an error event).",
    "600s",
  ),
  BEDROCK_MAX_CONCURRENT_CALLS: setting(
    envInteger(512, 1, 65_536),
    "Bedrock calls in flight at once per region (each region of AWS_BEDROCK_REGIONS has its own limit; a stream counts until it ends); also the size of each region's connection pool.",
  ),
  BEDROCK_QUEUE_LIMIT: setting(
    envInteger(512, 0, 1_000_000),
    "Bedrock calls that may wait for a free slot, per region, when every region has BEDROCK_MAX_CONCURRENT_CALLS in flight; past it (in every region) calls are refused at once with 503 (OpenAI) or 529 overloaded_error (Anthropic) and retry-after.",
  ),
  BEDROCK_QUEUE_TIMEOUT: setting(
    envDuration(10_000, 0),
    "Longest a Bedrock call waits for a slot (in any region) before it is refused with 503/529 and retry-after.",
    "10s",
  ),
  SHUTDOWN_DRAIN_TIMEOUT: setting(
    envDuration(30_000, 0),
    "On SIGTERM/SIGINT, how long requests in flight (streams included) may take to finish; then open streams get a final error event and the process exits 0. A second signal exits at once. Keep it below the orchestrator's stop timeout (ECS stopTimeout).",
    "30s",
  ),
  MAX_INFLIGHT_REQUEST_BYTES: setting(
    envByteSize(96 * 1024 ** 2),
    "Request body bytes the whole gateway holds at once, all requests together (e.g. 96MiB, sized for a 512 MiB container); a body that would exceed it is refused with 503/529 and retry-after, from its Content-Length or while it arrives.",
    "96MiB",
  ),
  AWS_BEDROCK_CROSS_REGION_INFERENCE: setting(
    envBoolean(true),
    "Call a base model id through its cross-region inference profile when the region offers one (global. first, then the region's geography). false sends model ids exactly as given.",
  ),
  AWS_BEDROCK_CROSS_REGION_INFERENCE_GLOBAL: setting(
    envBoolean(true),
    "Allow global. inference profiles (requests may be served in any commercial region). false keeps them within the region's geography (us., eu., apac., ...), for data residency.",
  ),
};
