import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import type * as cxapi from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks, NIST80053R5Checks } from "cdk-nag";
import { AegisGateway, type AegisGatewayProps } from "../lib/aegis-gateway.js";
import { AegisSampleStack, type AegisSampleStackProps } from "../lib/sample-stack.js";

export const account = "111111111111";
export const region = "us-east-1";
export const imageUri = `${account}.dkr.ecr.${region}.amazonaws.com/aegis:1.0.0`;

export interface Synthesised {
  readonly stack: AegisSampleStack;
  readonly template: Template;
  /** The raw template, for walking every resource. */
  readonly json: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  readonly assembly?: cxapi.CloudAssembly;
  /** Why synthesis failed validation (cdk-nag or CloudFormation checks), if it did. */
  readonly validationError?: string;
  readonly validationReport?: {
    pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
  };
}

/**
 * Synthesises the sample stack (with overrides) once, offline, with cdk-nag's AwsSolutions and NIST 800-53
 * R5 packs as validation plugins. A validation failure is recorded, not thrown, so the template can still be
 * inspected; the cdk-nag test asserts there is none.
 */
export function synthesise(
  gateway: AegisSampleStackProps["gateway"] = {},
  extra: Partial<AegisSampleStackProps> = {},
): Synthesised {
  const outdir = mkdtempSync(join(tmpdir(), `aegis-infra-${process.pid}-`));
  try {
    const app = new App({ outdir });
    const stack = new AegisSampleStack(app, "Aegis", {
      env: { account, region },
      availabilityZones: [`${region}a`, `${region}b`],
      certificateArn: `arn:aws:acm:${region}:${account}:certificate/11111111-2222-3333-4444-555555555555`,
      imageUri,
      gateway,
      ...extra,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
    let assembly: cxapi.CloudAssembly | undefined;
    let validationError: string | undefined;
    try {
      assembly = app.synth();
    } catch (error) {
      validationError = String(error);
    }
    const json = JSON.parse(readFileSync(join(outdir, "Aegis.template.json"), "utf8"));
    let validationReport: Synthesised["validationReport"];
    try {
      validationReport = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8"));
    } catch {
      validationReport = undefined;
    }
    return { stack, template: Template.fromJSON(json), json, assembly, validationError, validationReport };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The gateway alone on a bare stack, without the sample stack or cdk-nag: a certificate and a generated API key,
 * then `props` (or what `props` makes in the stack). For variants whose compliance `synthesise` covers, and for
 * configurations the construct refuses (it throws here).
 */
export function bareGateway(
  props: Partial<AegisGatewayProps> | ((scope: Stack) => Partial<AegisGatewayProps>) = {},
): Stack {
  const stack = new Stack(new App(), "Bare", { env: { account, region } });
  new AegisGateway(stack, "Gateway", {
    image: imageUri,
    certificate: acm.Certificate.fromCertificateArn(
      stack,
      "Cert",
      `arn:aws:acm:${region}:${account}:certificate/x`,
    ),
    apiKeyCreate: true,
    ...(typeof props === "function" ? props(stack) : props),
  });
  return stack;
}

/** Resources of one type, by logical id. */
export function resourcesOf(synthesised: Synthesised, type: string) {
  return Object.entries(synthesised.json.Resources).filter(([, resource]) => resource.Type === type);
}

type ContainerDefinition = {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
  [key: string]: unknown;
};

/** The task definition's containers by name. */
export function containers(synthesised: Synthesised): Map<string, ContainerDefinition> {
  const [[, task] = ["", undefined]] = resourcesOf(synthesised, "AWS::ECS::TaskDefinition");
  const definitions = (task?.Properties?.ContainerDefinitions ?? []) as ContainerDefinition[];
  return new Map(definitions.map((definition) => [definition.Name, definition]));
}

/** One container's environment as name -> value (values may be CloudFormation intrinsics). */
export function environmentOf(container: ContainerDefinition | undefined): Record<string, unknown> {
  return Object.fromEntries((container?.Environment ?? []).map((entry) => [entry.Name, entry.Value]));
}
