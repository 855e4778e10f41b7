import { createHash } from "node:crypto";
import { EMULATOR_ACCOUNT_ID } from "./catalogue.js";
import { EmulatedError } from "./exceptions.js";
import type { Exchange } from "./exchange.js";

/**
 * Secrets Manager, GetSecretValue only, with real staging-label semantics: each setSecret creates a
 * version; labelling a version AWSCURRENT moves AWSPREVIOUS to the version that held AWSCURRENT, which
 * is what rotation code (and a gateway reloading credentials mid-rotation) observes.
 */

export type SecretStage = "AWSCURRENT" | "AWSPENDING";

interface SecretVersion {
  versionId: string;
  string?: string;
  binary?: Uint8Array;
  stages: Set<string>;
  created: Date;
}

interface Secret {
  name: string;
  arn: string;
  versions: SecretVersion[];
}

/** Deterministic stand-ins for the random parts AWS generates. */
function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function versionIdFor(name: string, index: number): string {
  const h = digest(`${name}#${index}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function notFound(message: string): EmulatedError {
  return new EmulatedError("ResourceNotFoundException", message, 400);
}

export class SecretStore {
  private readonly secrets = new Map<string, Secret>();

  constructor(private readonly region: string) {}

  set(
    name: string,
    value: { string?: string; binary?: Uint8Array },
    stage: SecretStage = "AWSCURRENT",
  ): void {
    let secret = this.secrets.get(name);
    if (!secret) {
      // AWS appends six random characters to secret ARNs; ours derive from the name.
      const suffix = Buffer.from(digest(name), "hex")
        .toString("base64")
        .replace(/[^A-Za-z0-9]/g, "")
        .slice(0, 6);
      secret = {
        name,
        arn: `arn:aws:secretsmanager:${this.region}:${EMULATOR_ACCOUNT_ID}:secret:${name}-${suffix}`,
        versions: [],
      };
      this.secrets.set(name, secret);
    }
    const version: SecretVersion = {
      versionId: versionIdFor(name, secret.versions.length),
      ...(value.string !== undefined ? { string: value.string } : {}),
      ...(value.binary !== undefined ? { binary: Uint8Array.from(value.binary) } : {}),
      stages: new Set(),
      created: new Date(),
    };
    if (stage === "AWSCURRENT") {
      const current = secret.versions.find((v) => v.stages.has("AWSCURRENT"));
      if (current) {
        for (const v of secret.versions) v.stages.delete("AWSPREVIOUS");
        current.stages.delete("AWSCURRENT");
        current.stages.add("AWSPREVIOUS");
      }
    } else {
      for (const v of secret.versions) v.stages.delete(stage);
    }
    version.stages.add(stage);
    secret.versions.push(version);
  }

  delete(name: string): void {
    this.secrets.delete(name);
  }

  /** By name, full ARN, or ARN without the random suffix (all accepted by AWS). */
  find(secretId: string): Secret | undefined {
    const byName = this.secrets.get(secretId);
    if (byName) return byName;
    for (const secret of this.secrets.values()) {
      if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
    }
    return undefined;
  }
}

export async function getSecretValue(exchange: Exchange): Promise<void> {
  const body = (exchange.record.body ?? {}) as {
    SecretId?: unknown;
    VersionId?: unknown;
    VersionStage?: unknown;
  };
  if (typeof body.SecretId !== "string" || body.SecretId.length === 0) {
    throw new EmulatedError("InvalidParameterException", "You must provide a SecretId.", 400);
  }
  const secret = exchange.state.secrets.find(body.SecretId);
  if (!secret) throw notFound("Secrets Manager can't find the specified secret.");

  const stage = typeof body.VersionStage === "string" ? body.VersionStage : undefined;
  let version: SecretVersion | undefined;
  if (typeof body.VersionId === "string") {
    version = secret.versions.find((v) => v.versionId === body.VersionId);
    if (!version)
      throw notFound(
        `Secrets Manager can't find the specified secret value for VersionId: ${body.VersionId}`,
      );
    if (stage && !version.stages.has(stage)) {
      throw new EmulatedError(
        "InvalidRequestException",
        `You provided a VersionStage that is not associated to the provided VersionId.`,
        400,
      );
    }
  } else {
    const wanted = stage ?? "AWSCURRENT";
    version = secret.versions.find((v) => v.stages.has(wanted));
    if (!version)
      throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${wanted}`);
  }

  exchange.json(200, {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    ...(version.string !== undefined ? { SecretString: version.string } : {}),
    ...(version.binary !== undefined ? { SecretBinary: Buffer.from(version.binary).toString("base64") } : {}),
    VersionStages: [...version.stages],
    CreatedDate: version.created.getTime() / 1000,
  });
}
