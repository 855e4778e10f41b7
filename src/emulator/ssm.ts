import { createHash } from "node:crypto";
import { EMULATOR_ACCOUNT_ID } from "./catalogue.js";
import { EmulatedError } from "./exceptions.js";
import type { Exchange } from "./exchange.js";

/**
 * SSM Parameter Store, GetParameter only (what the gateway uses to load secrets and settings).
 * Every parameter is a SecureString, like the real deployment stores them.
 */

interface ParameterVersion {
  value: string;
  version: number;
  lastModified: Date;
}

export class ParameterStore {
  private readonly parameters = new Map<string, ParameterVersion[]>();

  set(name: string, value: string): void {
    const versions = this.parameters.get(name) ?? [];
    versions.push({ value, version: versions.length + 1, lastModified: new Date() });
    this.parameters.set(name, versions);
  }

  delete(name: string): void {
    this.parameters.delete(name);
  }

  /** `name`, or `name:<version>` as SSM's selector syntax allows. */
  get(selector: string): { name: string; parameter: ParameterVersion } | undefined {
    const direct = this.parameters.get(selector);
    if (direct) return { name: selector, parameter: direct[direct.length - 1]! };
    const m = /^(.*):(\d+)$/.exec(selector);
    if (!m) return undefined;
    const name = m[1] ?? "";
    const parameter = this.parameters.get(name)?.find((p) => p.version === Number(m[2]));
    return parameter && { name, parameter };
  }
}

function parameterArn(region: string, name: string): string {
  // Hierarchical names keep their leading slash out of the ARN: parameter/a/b, not parameter//a/b.
  return `arn:aws:ssm:${region}:${EMULATOR_ACCOUNT_ID}:parameter/${name.replace(/^\//, "")}`;
}

/** What a SecureString read without decryption returns: the KMS ciphertext, base64. Deterministic. */
function ciphertextOf(value: string): string {
  const digest = createHash("sha256").update(value).digest();
  return Buffer.concat([Buffer.from("AQICAHemulator"), digest]).toString("base64");
}

export async function getParameter(exchange: Exchange): Promise<void> {
  const body = (exchange.record.body ?? {}) as { Name?: unknown; WithDecryption?: unknown };
  if (typeof body.Name !== "string" || body.Name.length === 0) {
    throw new EmulatedError(
      "ValidationException",
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
      400,
    );
  }
  // Callers may also name the parameter by its ARN: ...:parameter/a/b is "/a/b", ...:parameter/a is "a".
  const selector = body.Name.replace(/^arn:aws[a-z-]*:ssm:[^:]*:\d*:parameter/, "");
  const store = exchange.state.parameters;
  const found = store.get(selector) ?? (selector !== body.Name ? store.get(selector.slice(1)) : undefined);
  if (!found) throw new EmulatedError("ParameterNotFound", `Parameter ${body.Name} not found.`, 400);
  const { name, parameter } = found;
  exchange.json(200, {
    Parameter: {
      Name: name,
      Type: "SecureString",
      // Like real SSM, a SecureString read without WithDecryption yields ciphertext, not the value.
      Value: body.WithDecryption === true ? parameter.value : ciphertextOf(parameter.value),
      Version: parameter.version,
      ARN: parameterArn(exchange.region, name),
      DataType: "text",
      LastModifiedDate: parameter.lastModified.getTime() / 1000,
    },
  });
}
