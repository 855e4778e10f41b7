/** A guardrail by identity: what Bedrock's guardrailConfig names. */
export interface GuardrailRef {
  identifier: string;
  version: string;
}
