import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describeAwsFailure, KeySourceError, readTimeoutMs } from "./source.js";

export interface SsmParameter {
  description: string;
  /** The parameter's value (String or SecureString, decrypted); a KeySourceError naming `what` otherwise. */
  read(): Promise<string>;
  close(): void;
}

/** One SSM parameter, read on demand (the API key, or the key store document), each read bounded in time. */
export function ssmParameter(name: string, region: string, what?: string): SsmParameter {
  const client = new SSMClient({ region });
  const stopped = new AbortController();
  const description = `SSM parameter "${name}"`;
  return {
    description,
    async read() {
      let value: string | undefined;
      try {
        const output = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), {
          abortSignal: AbortSignal.any([stopped.signal, AbortSignal.timeout(readTimeoutMs)]),
        });
        value = output.Parameter?.Value;
      } catch (error) {
        throw new KeySourceError(description, describeAwsFailure(error), what);
      }
      if (value === undefined) throw new KeySourceError(description, "it has no value", what);
      return value;
    },
    close() {
      stopped.abort();
      client.destroy();
    },
  };
}
