import { existsSync } from "node:fs";
import { join } from "node:path";
import { Annotations, LegacyStackSynthesizer, Stack, type StackProps } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import type { Construct } from "constructs";
import { acknowledge } from "./acknowledge.js";
import { AegisGateway, type AegisGatewayProps } from "./aegis-gateway.js";
import { gatewayImageFromRepo, repositoryRoot } from "./gateway-image.js";

export interface AegisSampleStackProps extends StackProps {
  /** Given, not looked up: synth stays offline and records no missing context. */
  readonly availabilityZones: string[];
  /** ACM certificate of the HTTPS listener; unset: a placeholder that synthesises but cannot deploy. */
  readonly certificateArn?: string;
  /** A prebuilt image (e.g. ECR URI); unset: built from the repository's Containerfile at deploy time. */
  readonly imageUri?: string;
  /**
   * A template that deploys without the CDK: no bootstrap stack, and the Lambda code (and a Containerfile
   * image) become CloudFormation parameters naming where you uploaded them.
   */
  readonly plainTemplate?: boolean;
  /** Overrides of the sample's choices (tests use these for variants); a function gets the stack as scope. */
  readonly gateway?: Partial<AegisGatewayProps> | ((scope: Construct) => Partial<AegisGatewayProps>);
}

/** The sample deployment: every control on, so its template shows them all. */
export class AegisSampleStack extends Stack {
  readonly gateway: AegisGateway;
  private readonly zones: string[];

  constructor(scope: Construct, id: string, props: AegisSampleStackProps) {
    super(scope, id, {
      ...props,
      synthesizer: props.plainTemplate ? new LegacyStackSynthesizer() : props.synthesizer,
    });
    this.zones = props.availabilityZones;
    let certificateArn = props.certificateArn;
    if (certificateArn === undefined) {
      certificateArn = `arn:${this.partition}:acm:${this.region}:${this.account}:certificate/00000000-0000-0000-0000-000000000000`;
      Annotations.of(this).addWarningV2(
        "aegis:placeholder-certificate",
        "No certificateArn given: the template uses a placeholder certificate and cannot be deployed as is",
      );
    }
    const image = props.imageUri;
    if (image === undefined && !existsSync(join(repositoryRoot, "Containerfile"))) {
      throw new Error(
        "No imageUri given and no Containerfile at the repository root to build the image from",
      );
    }
    this.gateway = new AegisGateway(this, "Gateway", {
      image: image ?? gatewayImageFromRepo(),
      certificate: acm.Certificate.fromCertificateArn(this, "Certificate", certificateArn),
      apiKeyCreate: true,
      vpcEndpoints: true,
      wafEnabled: true,
      wafBlockAnonymousIps: true,
      accessLogs: true,
      endToEndTls: true,
      ...(typeof props.gateway === "function" ? props.gateway(this) : props.gateway),
    });
    acknowledge(
      this,
      ["CloudFormation-Validate::W3010"],
      "The availability zones are given explicitly so that synth runs offline without context lookups; pass -c availabilityZones=... for your account",
    );
  }

  override get availabilityZones(): string[] {
    return this.zones;
  }
}
