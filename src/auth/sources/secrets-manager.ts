import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { KeyDigests } from "../accepted-keys.js";
import { keyOfSecret } from "./secret-value.js";
import { describeAwsFailure, type KeySource, KeySourceError, readTimeoutMs } from "./source.js";

type Stage = "AWSCURRENT" | "AWSPENDING";

/**
 * The key in a Secrets Manager secret. Besides the current version it reads the AWSPENDING one, which
 * exists while a rotation is under way, so clients can switch to the next key before it becomes current.
 */
export function secretsManagerKeySource(secretId: string, field: string, region: string): KeySource {
  const client = new SecretsManagerClient({ region });
  const stopped = new AbortController();
  const description = `Secrets Manager secret "${secretId}"`;

  async function digestOf(stage: Stage): Promise<Buffer | undefined> {
    let output: GetSecretValueCommandOutput;
    try {
      output = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }), {
        abortSignal: AbortSignal.any([stopped.signal, AbortSignal.timeout(readTimeoutMs)]),
      });
    } catch (error) {
      // No AWSPENDING version simply means no rotation is under way.
      if (stage === "AWSPENDING" && (error as Error).name === "ResourceNotFoundException") return undefined;
      throw new KeySourceError(description, `${stage} version: ${describeAwsFailure(error)}`);
    }
    const prepared = keyOfSecret(output, field);
    if ("problem" in prepared) {
      throw new KeySourceError(
        description,
        stage === "AWSCURRENT" ? prepared.problem : `${stage}: ${prepared.problem}`,
      );
    }
    return prepared.digest;
  }

  return {
    description,
    async read(): Promise<KeyDigests> {
      const [current, pending] = await Promise.allSettled([digestOf("AWSCURRENT"), digestOf("AWSPENDING")]);
      // The current version's problem, when there is one, is the one worth reporting.
      if (current.status === "rejected") throw current.reason;
      if (pending.status === "rejected") throw pending.reason;
      if (current.value === undefined) throw new KeySourceError(description, "it has no current version");
      return { current: current.value, pending: pending.value };
    },
    close() {
      stopped.abort();
      client.destroy();
    },
  };
}
