import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { SignatureV4 } from "@smithy/signature-v4";
import type { ChecksumConstructor } from "@smithy/types";

export interface UnsignedRequest {
  method: string;
  /** Path as sent on the wire: labels already percent-encoded. */
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Adds the authentication headers to a request about to be sent. */
export interface Authenticator {
  headersFor(request: UnsignedRequest): Promise<Record<string, string>>;
}

/** Bedrock Runtime signs as "bedrock" (the SDK's httpAuthSchemeProvider says so too). */
const signingName = "bedrock";

/**
 * SigV4 with the SDK's own signer and credential provider (the client's default chain: environment, profile,
 * SSO, web identity, ECS/EC2 roles, memoised and refreshed before expiry). The signer caches the derived
 * signing key per day, region, service and credentials, so a request costs two hashes and one HMAC.
 */
function sigV4(client: BedrockRuntimeClient, region: string, sha256: ChecksumConstructor): Authenticator {
  const signer = new SignatureV4({
    credentials: client.config.credentials,
    region,
    service: signingName,
    sha256,
    // Like the SDK's own signer for this service: the body hash travels as x-amz-content-sha256.
    applyChecksum: true,
  });
  return {
    async headersFor(request) {
      const host = request.headers.host ?? "";
      const signed = await signer.sign(
        {
          method: request.method,
          protocol: "https:",
          hostname: host,
          path: request.path,
          query: {},
          headers: request.headers,
          body: request.body,
        },
        // The SDK corrects its clock from the server's Date header after a skew error; honour its offset.
        { signingDate: new Date(Date.now() + (client.config.systemClockOffset ?? 0)) },
      );
      return signed.headers as Record<string, string>;
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
  sha256: ChecksumConstructor,
): Promise<Authenticator> {
  const preference = await client.config.authSchemePreference();
  const token = process.env.AWS_BEARER_TOKEN_BEDROCK;
  if (preference[0] === "httpBearerAuth" && token !== undefined) return bearer(token);
  return sigV4(client, await client.config.region(), sha256);
}
