import * as z from "zod";
import { envInteger, envList, envOptionalString, envStringMap, setting } from "./define.js";

export const bedrockSettings = {
  AWS_REGION: setting(envOptionalString(), "AWS region of Bedrock and of the other AWS services used."),
  AWS_BEDROCK_REGIONS: setting(
    envList(),
    "Bedrock regions (JSON array or comma-separated), each with its own connection pool and admission limit; the first is primary, the next take a call when it throttles, is unavailable, cannot be reached or is at its BEDROCK_MAX_CONCURRENT_CALLS (before the answer starts). Defaults to AWS_REGION.",
  ),
  MODEL_CACHE_SECONDS: setting(envInteger(900, 0), "How long the Bedrock model list is cached."),
  MODEL_ALIASES: setting(
    envStringMap(),
    'JSON object of short model names to Bedrock ids, e.g. {"fast":"amazon.nova-micro-v1:0"}.',
  ),
  BEDROCK_MAX_ATTEMPTS: setting(
    envInteger(1, 1, 10),
    "Attempts per Bedrock call. 1 (the default) leaves retries to the client, which honours retry-after.",
  ),
  BEDROCK_TRANSPORT: setting(
    z
      .enum(["lean", "sdk"])
      .optional()
      .transform((value) => value ?? "lean"),
    "How Converse, ConverseStream and InvokeModel reach Bedrock: lean (signed requests on a keep-alive pool) or sdk (the stock AWS SDK client).",
  ),
};
