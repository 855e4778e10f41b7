import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { prepareKey } from "../key-rules.js";
import { describeAwsFailure, type KeySource, KeySourceError, readTimeoutMs } from "./source.js";

/** The key in an SSM parameter (String or SecureString, read with decryption). */
export function ssmKeySource(name: string, region: string): KeySource {
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
        throw new KeySourceError(description, describeAwsFailure(error));
      }
      if (value === undefined) throw new KeySourceError(description, "it has no value");
      const prepared = prepareKey(value);
      if ("problem" in prepared) throw new KeySourceError(description, prepared.problem);
      return { current: prepared.digest, pending: undefined };
    },
    close() {
      stopped.abort();
      client.destroy();
    },
  };
}
