import { prepareKey } from "../key-rules.js";
import { type KeySource, KeySourceError } from "./source.js";
import { ssmParameter } from "./ssm-parameter.js";

/** The key in an SSM parameter (String or SecureString, read with decryption). */
export function ssmKeySource(name: string, region: string): KeySource {
  const parameter = ssmParameter(name, region);
  return {
    description: parameter.description,
    async read() {
      const prepared = prepareKey(await parameter.read());
      if ("problem" in prepared) throw new KeySourceError(parameter.description, prepared.problem);
      return { current: prepared.digest, pending: undefined };
    },
    close: () => parameter.close(),
  };
}
