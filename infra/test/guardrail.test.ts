import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { settings } from "../../src/config/index.js";
import type { AegisGatewayProps } from "../lib/aegis-gateway.js";
import { piiMaskEntities, strictContentFilters } from "../lib/guardrail.js";
import {
  account,
  bareGateway,
  containers,
  environmentOf,
  region,
  resourcesOf,
  type Synthesised,
  synthesise,
} from "./synth.js";

const existingArn = `arn:aws:bedrock:${region}:${account}:guardrail/abc123xyz`;

/** Both presets in one created guardrail, trace on. */
let presets: Synthesised;
/** An existing guardrail by id. */
let existingById: Synthesised;

beforeAll(() => {
  presets = synthesise({ guardrail: { preset: ["pii-mask", "strict-content-filters"], trace: "enabled" } });
  existingById = synthesise({ guardrail: { existing: { identifier: "abc123xyz", version: "3" } } });
});

/** The gateway on a bare stack, without cdk-nag: for variants whose compliance the synths above cover. */
const template = (props: Partial<AegisGatewayProps>): Template => Template.fromStack(bareGateway(props));

type Statement = { Sid?: string; Action: string | string[]; Resource?: unknown };
const asList = <T>(value: T | T[]) => (Array.isArray(value) ? value : [value]);
/** Every IAM statement of the template (all roles), so a grant elsewhere cannot hide. */
function statements(json: {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}) {
  return Object.values(json.Resources)
    .filter((resource) => resource.Type === "AWS::IAM::Policy")
    .flatMap(
      (policy) =>
        (policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    );
}
const applyGuardrail = (json: Parameters<typeof statements>[0]) =>
  statements(json).filter((s) =>
    asList(s.Action).some((action) => /ApplyGuardrail|bedrock:\*|^\*$/.test(action)),
  );
const guardrailEnvironment = (environment: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(environment).filter(([name]) => name.startsWith("AWS_BEDROCK_GUARDRAIL")),
  );

describe("a guardrail created from presets", () => {
  it("has the presets' policies: PII anonymised, every content filter and prompt attacks at HIGH", () => {
    const [[, guardrail] = ["", undefined]] = resourcesOf(presets, "AWS::Bedrock::Guardrail");
    expect(guardrail?.Properties).toMatchObject({
      SensitiveInformationPolicyConfig: {
        PiiEntitiesConfig: piiMaskEntities.map((type) => ({ Type: type, Action: "ANONYMIZE" })),
      },
      ContentPolicyConfig: {
        FiltersConfig: [
          ...strictContentFilters.map((type) => ({
            Type: type,
            InputStrength: "HIGH",
            OutputStrength: "HIGH",
          })),
          { Type: "PROMPT_ATTACK", InputStrength: "HIGH", OutputStrength: "NONE" },
        ],
      },
      BlockedInputMessaging: expect.any(String),
      BlockedOutputsMessaging: expect.any(String),
    });
    expect(piiMaskEntities).toEqual(expect.arrayContaining(["EMAIL", "PHONE"]));
    expect(strictContentFilters).toHaveLength(5);
  });

  it("is published as a version the task names, with the trace setting", () => {
    const [[guardrailId] = [""]] = resourcesOf(presets, "AWS::Bedrock::Guardrail");
    const [[versionId, version] = ["", undefined]] = resourcesOf(presets, "AWS::Bedrock::GuardrailVersion");
    expect(version?.Properties?.GuardrailIdentifier).toEqual({ "Fn::GetAtt": [guardrailId, "GuardrailId"] });
    expect(guardrailEnvironment(environmentOf(containers(presets).get("gateway")))).toEqual({
      AWS_BEDROCK_GUARDRAIL_IDENTIFIER: { "Fn::GetAtt": [guardrailId, "GuardrailId"] },
      AWS_BEDROCK_GUARDRAIL_VERSION: { "Fn::GetAtt": [versionId, "Version"] },
      AWS_BEDROCK_GUARDRAIL_TRACE: "enabled",
    });
  });

  it("lets the task apply that guardrail only", () => {
    const [[guardrailId] = [""]] = resourcesOf(presets, "AWS::Bedrock::Guardrail");
    expect(applyGuardrail(presets.json)).toEqual([
      {
        Sid: "BedrockApplyGuardrail",
        Effect: "Allow",
        Action: "bedrock:ApplyGuardrail",
        Resource: { "Fn::GetAtt": [guardrailId, "GuardrailArn"] },
      },
    ]);
  });

  it("creates only the policies of the presets named, and a new version when they change", () => {
    const piiOnly = template({ guardrail: { preset: "pii-mask" } }).toJSON();
    const contentOnly = template({ guardrail: { preset: "strict-content-filters" } }).toJSON();
    const guardrailOf = (json: typeof piiOnly) =>
      Object.values(
        json.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
      ).find((r) => r.Type === "AWS::Bedrock::Guardrail")?.Properties;
    expect(guardrailOf(piiOnly)).toHaveProperty("SensitiveInformationPolicyConfig");
    expect(guardrailOf(piiOnly)).not.toHaveProperty("ContentPolicyConfig");
    expect(guardrailOf(contentOnly)).toHaveProperty("ContentPolicyConfig");
    expect(guardrailOf(contentOnly)).not.toHaveProperty("SensitiveInformationPolicyConfig");
    const versionIds = [piiOnly, contentOnly].map((json) =>
      Object.entries(json.Resources as Record<string, { Type: string }>)
        .filter(([, r]) => r.Type === "AWS::Bedrock::GuardrailVersion")
        .map(([id]) => id),
    );
    expect(versionIds[0]).toHaveLength(1);
    expect(versionIds[0]).not.toEqual(versionIds[1]);
  });
});

describe("an existing guardrail", () => {
  it("by id: the task names it and may apply it, on its ARN only", () => {
    const environment = guardrailEnvironment(environmentOf(containers(existingById).get("gateway")));
    expect(environment).toEqual({
      AWS_BEDROCK_GUARDRAIL_IDENTIFIER: "abc123xyz",
      AWS_BEDROCK_GUARDRAIL_VERSION: "3",
    });
    // The gateway's own configuration accepts both values.
    for (const [name, value] of Object.entries(environment)) {
      expect(settings[name as keyof typeof settings].schema.safeParse(value).success, name).toBe(true);
    }
    expect(applyGuardrail(existingById.json)).toEqual([
      {
        Sid: "BedrockApplyGuardrail",
        Effect: "Allow",
        Action: "bedrock:ApplyGuardrail",
        Resource: {
          "Fn::Join": [
            "",
            ["arn:", { Ref: "AWS::Partition" }, `:bedrock:${region}:${account}:guardrail/abc123xyz`],
          ],
        },
      },
    ]);
    existingById.template.resourceCountIs("AWS::Bedrock::Guardrail", 0);
  });

  it("by ARN, with the stream mode: that exact ARN", () => {
    const json = template({
      guardrail: { existing: { identifier: existingArn, version: "DRAFT" }, streamMode: "async" },
    }).toJSON() as Parameters<typeof statements>[0];
    expect(applyGuardrail(json).map((s) => s.Resource)).toEqual([existingArn]);
  });

  it("is refused when its id or version would not pass the gateway's startup checks", () => {
    const build = (props: Partial<AegisGatewayProps>) => () => template(props);
    expect(build({ guardrail: { existing: { identifier: "ABC-123", version: "1" } } })).toThrow(
      /guardrail.existing.identifier must be/,
    );
    expect(build({ guardrail: { existing: { identifier: "abc123", version: "v1" } } })).toThrow(
      /guardrail.existing.version must be/,
    );
    expect(build({ guardrail: { preset: [] } })).toThrow(/names no preset/);
    expect(settings.AWS_BEDROCK_GUARDRAIL_IDENTIFIER.schema.safeParse("ABC-123").success).toBe(false);
    expect(settings.AWS_BEDROCK_GUARDRAIL_VERSION.schema.safeParse("v1").success).toBe(false);
  });
});

describe("without a guardrail", () => {
  it("the task has no ApplyGuardrail permission and no guardrail settings", () => {
    const json = template({}).toJSON() as Parameters<typeof statements>[0];
    expect(applyGuardrail(json)).toEqual([]);
    expect(JSON.stringify(json)).not.toContain("AWS_BEDROCK_GUARDRAIL");
    expect(JSON.stringify(json)).not.toContain("AWS::Bedrock::Guardrail");
  });

  it("guardrail settings cannot come in through environment, where no permission would follow them", () => {
    expect(() =>
      template({
        environment: { AWS_BEDROCK_GUARDRAIL_IDENTIFIER: "abc123", AWS_BEDROCK_GUARDRAIL_VERSION: "1" },
      }),
    ).toThrow(/set AWS_BEDROCK_GUARDRAIL_IDENTIFIER with the guardrail property/);
  });
});

describe("guardrails of named keys", () => {
  it("the task may apply each key's guardrail, by id or ARN, and nothing else", () => {
    const json = template({ keyGuardrails: ["keyguard1", existingArn, "keyguard1"] }).toJSON() as Parameters<
      typeof statements
    >[0];
    const granted = applyGuardrail(json);
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ Sid: "BedrockApplyKeyGuardrails", Action: "bedrock:ApplyGuardrail" });
    const resources = JSON.stringify(granted[0]?.Resource);
    expect(resources).toContain(":guardrail/keyguard1");
    expect(resources).toContain(existingArn);
    expect(asList(granted[0]?.Resource)).toHaveLength(2);
    // They add a permission, not a guardrail on every call.
    expect(JSON.stringify(json)).not.toContain("AWS_BEDROCK_GUARDRAIL");
  });

  it("sit beside the deployment's guardrail, each with its own statement", () => {
    const json = template({
      guardrail: { existing: { identifier: "abc123xyz", version: "3" } },
      keyGuardrails: ["keyguard2"],
    }).toJSON() as Parameters<typeof statements>[0];
    expect(applyGuardrail(json).map((statement) => statement.Sid)).toEqual([
      "BedrockApplyGuardrail",
      "BedrockApplyKeyGuardrails",
    ]);
  });

  it("are refused when an identifier is neither a guardrail id nor a guardrail ARN", () => {
    expect(() => template({ keyGuardrails: ["Not-An-Id"] })).toThrow(/keyGuardrails must hold guardrail ids/);
    expect(() => template({ keyGuardrails: [] })).not.toThrow();
  });
});

describe("compliance checks with a guardrail", () => {
  it("pass cdk-nag", () => {
    expect(presets.validationError).toBeUndefined();
    expect(existingById.validationError).toBeUndefined();
  });
});
