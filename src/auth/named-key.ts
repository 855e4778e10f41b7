import type { GuardrailRef } from "../bedrock/call.js";
import type { ModelScope } from "../limits/model-globs.js";
import type { RouteName } from "../limits/route-names.js";

/** What an accepted key may do: its name (for logs and counters), scopes and limits. Never the key itself. */
export interface NamedKey {
  name: string;
  /** Undefined: every model. */
  models: ModelScope | undefined;
  /** Undefined: every route. */
  routes: ReadonlySet<RouteName> | undefined;
  /** Requests per minute, tokens per minute, requests in flight at once; undefined: no limit. */
  rpm: number | undefined;
  tpm: number | undefined;
  maxConcurrent: number | undefined;
  /** The key's own Bedrock guardrail, replacing the deployment's for its calls; undefined: the deployment's. */
  guardrail: GuardrailRef | undefined;
}

/** The single API_KEY (or its SSM / Secrets Manager source): named `default`, every route and model, no limit. */
export const DEFAULT_KEY: NamedKey = {
  name: "default",
  models: undefined,
  routes: undefined,
  rpm: undefined,
  tpm: undefined,
  maxConcurrent: undefined,
  guardrail: undefined,
};

export function hasLimits(key: NamedKey): boolean {
  return key.rpm !== undefined || key.tpm !== undefined || key.maxConcurrent !== undefined;
}
