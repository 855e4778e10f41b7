import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type KeyStoreSource, keyStoreSource, storeWhat } from "./key-store-source.js";
import { describeAwsFailure, KeySourceError, readTimeoutMs } from "./source.js";
import { ssmParameter } from "./ssm-parameter.js";

/** The key store document in an SSM parameter (String or SecureString, read with decryption). */
export function ssmKeyStoreSource(name: string, region: string): KeyStoreSource {
  const parameter = ssmParameter(name, region, storeWhat);
  return keyStoreSource(
    parameter.description,
    () => parameter.read(),
    () => parameter.close(),
  );
}

/** The key store document as the string of a Secrets Manager secret (its AWSCURRENT version). */
export function secretsManagerKeyStoreSource(secretId: string, region: string): KeyStoreSource {
  const client = new SecretsManagerClient({ region });
  const stopped = new AbortController();
  const description = `Secrets Manager secret "${secretId}"`;
  const read = async () => {
    let value: string | undefined;
    try {
      const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }), {
        abortSignal: AbortSignal.any([stopped.signal, AbortSignal.timeout(readTimeoutMs)]),
      });
      value = output.SecretString;
    } catch (error) {
      throw new KeySourceError(description, describeAwsFailure(error), storeWhat);
    }
    if (value === undefined) throw new KeySourceError(description, "it has no string value", storeWhat);
    return value;
  };
  return keyStoreSource(description, read, () => {
    stopped.abort();
    client.destroy();
  });
}
