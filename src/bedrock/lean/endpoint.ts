import { type BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { getEndpointFromInstructions } from "@smithy/core/endpoints";

export interface BedrockEndpoint {
  /** scheme://host[:port], what the connection pool connects to. */
  origin: string;
  /** The host header, exactly as it is signed (the port only when it is not the scheme's default). */
  host: string;
  /** Path prefix of a custom endpoint such as http://proxy/bedrock, without the trailing slash. */
  basePath: string;
}

/**
 * Asks the SDK, once, where Bedrock Runtime lives, so the lean transport honours exactly the settings the
 * stock client does: AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL, endpoint_url in the profile,
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, FIPS and dual-stack, else https://bedrock-runtime.<region>.amazonaws.com.
 * The Converse endpoint does not depend on the call's input, so one resolution serves every call.
 */
export async function resolveEndpoint(client: BedrockRuntimeClient): Promise<BedrockEndpoint> {
  const resolved = await getEndpointFromInstructions(
    {},
    ConverseCommand as unknown as Parameters<typeof getEndpointFromInstructions>[1],
    client.config as unknown as Parameters<typeof getEndpointFromInstructions>[2],
  );
  const url = new URL(String(resolved.url));
  return {
    origin: url.origin,
    host: url.host,
    basePath: url.pathname.replace(/\/+$/, ""),
  };
}
