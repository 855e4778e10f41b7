import { createHash } from "node:crypto";
import { Annotations, Names, Stack, Token } from "aws-cdk-lib";
import * as bedrock from "aws-cdk-lib/aws-bedrock";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

/**
 * Guardrails the construct can create:
 * - `pii-mask`: e-mail addresses, phone numbers, postal addresses, card numbers, US social security
 *   numbers, IP addresses, AWS keys and passwords are masked (`{EMAIL}`, ...) in prompts and answers.
 * - `strict-content-filters`: every content filter (hate, insults, sexual, violence, misconduct) at HIGH
 *   on prompts and answers, and prompt-attack detection at HIGH on prompts.
 */
export type GuardrailPreset = "pii-mask" | "strict-content-filters";

/** PII types the `pii-mask` preset anonymises. */
export const piiMaskEntities = [
  "EMAIL",
  "PHONE",
  "ADDRESS",
  "CREDIT_DEBIT_CARD_NUMBER",
  "US_SOCIAL_SECURITY_NUMBER",
  "IP_ADDRESS",
  "AWS_ACCESS_KEY",
  "AWS_SECRET_KEY",
  "PASSWORD",
] as const;

/** Content filter types the `strict-content-filters` preset sets to HIGH. */
export const strictContentFilters = ["HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT"] as const;

interface GuardrailBehaviour {
  /** AWS_BEDROCK_GUARDRAIL_TRACE: a summary of each assessment in the request log (never content). @default "disabled" */
  readonly trace?: "disabled" | "enabled" | "enabled_full";
  /** AWS_BEDROCK_GUARDRAIL_STREAM_MODE (see the main README's Guardrails section). @default "sync" */
  readonly streamMode?: "sync" | "async";
}

/** A guardrail that already exists, by id or ARN and version. */
export interface ExistingGuardrailProps extends GuardrailBehaviour {
  readonly existing: {
    /** The guardrail's id (`abc123xyz`) or ARN (`arn:aws:bedrock:REGION:ACCOUNT:guardrail/abc123xyz`). */
    readonly identifier: string;
    /** A version number, or `DRAFT`. */
    readonly version: string;
  };
  readonly preset?: never;
}

/** A guardrail the construct creates from presets, with a published version. */
export interface PresetGuardrailProps extends GuardrailBehaviour {
  /** One preset, or several combined into one guardrail. */
  readonly preset: GuardrailPreset | readonly GuardrailPreset[];
  /** @default "Sorry, this request is not allowed by the operator's content policy." */
  readonly blockedInputMessage?: string;
  /** @default "Sorry, the answer was withheld by the operator's content policy." */
  readonly blockedOutputMessage?: string;
  readonly existing?: never;
}

export type GatewayGuardrailProps = ExistingGuardrailProps | PresetGuardrailProps;

// The patterns of the Bedrock API reference (GuardrailConfiguration), as the gateway checks them at startup.
const identifierPattern =
  /^(?:[a-z0-9]+|arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+)$/;
const versionPattern = /^(?:[1-9][0-9]{0,7}|DRAFT)$/;

/** A guardrail's ARN from its identifier (an id of this stack's account and region, or an ARN). */
export function guardrailArnOf(scope: Construct, identifier: string): string {
  return identifier.startsWith("arn:")
    ? identifier
    : Stack.of(scope).formatArn({ service: "bedrock", resource: "guardrail", resourceName: identifier });
}

/**
 * Lets `role` call bedrock:ApplyGuardrail on the guardrails named keys bring (their key store entries'
 * `guardrail.identifier`): a Converse call with a guardrailConfig needs it for that guardrail, and the store
 * is read at run time, so the construct cannot see those identifiers itself.
 */
export function grantKeyGuardrails(scope: Construct, role: iam.IRole, identifiers: readonly string[]): void {
  if (identifiers.length === 0) return;
  for (const identifier of identifiers) {
    if (!Token.isUnresolved(identifier) && !identifierPattern.test(identifier)) {
      throw new Error(
        `AegisGateway: keyGuardrails must hold guardrail ids (lower-case letters and digits) or guardrail ARNs, got "${identifier}"`,
      );
    }
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "BedrockApplyKeyGuardrails",
      actions: ["bedrock:ApplyGuardrail"],
      resources: [...new Set(identifiers.map((identifier) => guardrailArnOf(scope, identifier)))],
    }),
  );
}

interface Props {
  readonly guardrail: GatewayGuardrailProps;
  readonly taskRole: iam.IRole;
}

/**
 * The operator's Bedrock guardrail: an existing one, or one created from presets (with a version, so the
 * gateway never runs the mutable DRAFT). Sets the gateway's AWS_BEDROCK_GUARDRAIL_* settings and lets the
 * task role call bedrock:ApplyGuardrail on that guardrail only: Converse and ConverseStream with a
 * guardrailConfig need it besides the model permissions (Bedrock user guide, "Set up permissions to use
 * guardrails for content filtering").
 */
export class GatewayGuardrail extends Construct {
  /** The guardrail's ARN: the only resource of the ApplyGuardrail permission. */
  readonly guardrailArn: string;
  readonly environment: Record<string, string>;
  readonly created?: bedrock.CfnGuardrail;
  readonly version?: bedrock.CfnGuardrailVersion;

  constructor(scope: Construct, id: string, props: Props) {
    super(scope, id);
    const { guardrail } = props;
    let identifier: string;
    let version: string;
    if (guardrail.existing) {
      ({ identifier, version } = guardrail.existing);
      if (!Token.isUnresolved(identifier) && !identifierPattern.test(identifier)) {
        throw new Error(
          `AegisGateway: guardrail.existing.identifier must be a guardrail id (lower-case letters and digits) or a guardrail ARN, got "${identifier}"`,
        );
      }
      if (!Token.isUnresolved(version) && !versionPattern.test(version)) {
        throw new Error(
          `AegisGateway: guardrail.existing.version must be a version number (1 to 99999999) or DRAFT, got "${version}"`,
        );
      }
      this.guardrailArn = guardrailArnOf(this, identifier);
    } else {
      const presets = [
        ...new Set(typeof guardrail.preset === "string" ? [guardrail.preset] : guardrail.preset),
      ];
      if (presets.length === 0) throw new Error("AegisGateway: guardrail.preset names no preset");
      const policies = presetPolicies(presets);
      const messages = {
        blockedInputMessaging:
          guardrail.blockedInputMessage ??
          "Sorry, this request is not allowed by the operator's content policy.",
        blockedOutputsMessaging:
          guardrail.blockedOutputMessage ??
          "Sorry, the answer was withheld by the operator's content policy.",
      };
      this.created = new bedrock.CfnGuardrail(this, "Guardrail", {
        name: Names.uniqueResourceName(this, { maxLength: 50, separator: "-" }),
        description: `Aegis gateway: ${presets.join(", ")}`,
        ...messages,
        ...policies,
      });
      // A version is immutable: a new one is published whenever the configuration changes (new logical id),
      // and the tasks move to it with the next deployment.
      const fingerprint = createHash("sha256")
        .update(JSON.stringify({ ...messages, ...policies }))
        .digest("hex")
        .slice(0, 8);
      this.version = new bedrock.CfnGuardrailVersion(this, `Version${fingerprint}`, {
        guardrailIdentifier: this.created.attrGuardrailId,
        description: `Aegis gateway: ${presets.join(", ")} (${fingerprint})`,
      });
      identifier = this.created.attrGuardrailId;
      version = this.version.attrVersion;
      this.guardrailArn = this.created.attrGuardrailArn;
      if (presets.includes("pii-mask") && guardrail.streamMode === "async") {
        Annotations.of(this).addWarningV2(
          "aegis:guardrail-async-masking",
          "guardrail.streamMode async: Bedrock does not mask sensitive information in streams in this mode, so pii-mask applies to non-streamed answers only",
        );
      }
    }

    this.environment = {
      AWS_BEDROCK_GUARDRAIL_IDENTIFIER: identifier,
      AWS_BEDROCK_GUARDRAIL_VERSION: version,
      ...(guardrail.trace ? { AWS_BEDROCK_GUARDRAIL_TRACE: guardrail.trace } : {}),
      ...(guardrail.streamMode ? { AWS_BEDROCK_GUARDRAIL_STREAM_MODE: guardrail.streamMode } : {}),
    };
    props.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "BedrockApplyGuardrail",
        actions: ["bedrock:ApplyGuardrail"],
        resources: [this.guardrailArn],
      }),
    );
  }
}

type PresetPolicies = Pick<
  bedrock.CfnGuardrailProps,
  "contentPolicyConfig" | "sensitiveInformationPolicyConfig"
>;

/** The CfnGuardrail policy properties of a set of presets. */
export function presetPolicies(presets: readonly GuardrailPreset[]): PresetPolicies {
  const sensitiveInformation: PresetPolicies = presets.includes("pii-mask")
    ? {
        sensitiveInformationPolicyConfig: {
          piiEntitiesConfig: piiMaskEntities.map((type) => ({ type, action: "ANONYMIZE" })),
        },
      }
    : {};
  const content: PresetPolicies = presets.includes("strict-content-filters")
    ? {
        contentPolicyConfig: {
          filtersConfig: [
            ...strictContentFilters.map((type) => ({ type, inputStrength: "HIGH", outputStrength: "HIGH" })),
            // Prompt attacks are judged on prompts only; Bedrock requires NONE for the answer side.
            { type: "PROMPT_ATTACK", inputStrength: "HIGH", outputStrength: "NONE" },
          ],
        },
      }
    : {};
  return { ...sensitiveInformation, ...content };
}
