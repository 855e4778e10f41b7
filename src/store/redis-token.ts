import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { describeAwsFailure, readTimeoutMs } from "../auth/sources/source.js";
import { SecretBytes } from "../config/secret.js";

/** The token could not be read; the message names the secret and the problem, never the value. */
export class RedisTokenError extends Error {
  override name = "RedisTokenError";
}

/** A plain-string secret, or a JSON object's `auth_token` field. */
function tokenOf(text: string, description: string): string {
  if (!text.trimStart().startsWith("{")) return text.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RedisTokenError(`${description}: it starts with { but is not valid JSON`);
  }
  const token = (parsed as { auth_token?: unknown } | null)?.auth_token;
  if (typeof token !== "string")
    throw new RedisTokenError(`${description}: the JSON object has no string field "auth_token"`);
  return token.trim();
}

/**
 * REDIS_URL with its password replaced by the auth token held in a Secrets Manager secret (as ElastiCache
 * deployments keep it), read once at startup. The token only ever exists inside the returned SecretBytes.
 */
export async function redisUrlWithToken(
  url: SecretBytes,
  secretId: string,
  region: string,
): Promise<SecretBytes> {
  const description = `cannot read the Redis auth token from Secrets Manager secret "${secretId}"`;
  const client = new SecretsManagerClient({ region });
  let text: string | undefined;
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }), {
      abortSignal: AbortSignal.timeout(readTimeoutMs),
    });
    text = output.SecretString;
  } catch (error) {
    throw new RedisTokenError(`${description}: ${describeAwsFailure(error)}`);
  } finally {
    client.destroy();
  }
  if (text === undefined) throw new RedisTokenError(`${description}: it has no string value`);
  const token = tokenOf(text, description);
  if (token === "") throw new RedisTokenError(`${description}: the token is empty`);
  const parsed = new URL(url.bytes().toString("utf8"));
  parsed.password = encodeURIComponent(token);
  return new SecretBytes(parsed.toString());
}
