import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { type Hmac, type SignableRequest, SigV4Signer } from "./sigv4.js";

/** Adds the authentication headers to a request about to be sent. */
export interface Authenticator {
  headersFor(request: SignableRequest): Promise<Record<string, string>>;
}

/** Bedrock Runtime signs as "bedrock" (the SDK's httpAuthSchemeProvider says so too). */
const signingName = "bedrock";

/**
 * SigV4 with the stock client's own credential provider (its default chain: environment, profile, SSO, web
 * identity, ECS/EC2 roles; memoised, and refreshed before expiry) and its clock-skew offset.
 */
function sigV4(client: BedrockRuntimeClient, region: string, hmac: Hmac | undefined): Authenticator {
  const signer = new SigV4Signer(region, signingName, hmac);
  return {
    async headersFor(request) {
      const credentials = await client.config.credentials();
      return signer.sign(request, credentials, new Date(Date.now() + (client.config.systemClockOffset ?? 0)));
    },
  };
}

/** A Bedrock API key (AWS_BEARER_TOKEN_BEDROCK), which the SDK prefers over SigV4 when it is set. */
function bearer(token: string): Authenticator {
  return {
    async headersFor(request) {
      return { ...request.headers, authorization: `Bearer ${token}` };
    },
  };
}

/** The scheme the stock client would choose: its auth-scheme preference, then SigV4. */
export async function chooseAuthenticator(
  client: BedrockRuntimeClient,
  hmac: Hmac | undefined,
): Promise<Authenticator> {
  const preference = await client.config.authSchemePreference();
  const token = process.env.AWS_BEARER_TOKEN_BEDROCK;
  if (preference[0] === "httpBearerAuth" && token !== undefined) return bearer(token);
  return sigV4(client, await client.config.region(), hmac);
}
