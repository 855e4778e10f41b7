import { App, SecretValue, Stack, Validations } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ssm from "aws-cdk-lib/aws-ssm";
import { AwsSolutionsChecks } from "cdk-nag";
import type { Construct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { settings } from "../../src/config/index.js";
import type { AegisGatewayProps } from "../lib/aegis-gateway.js";
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

const parameterKeyArn = `arn:aws:kms:${region}:${account}:key/aaaaaaaa-1111-2222-3333-444444444444`;
const secretKeyArn = `arn:aws:kms:${region}:${account}:key/bbbbbbbb-1111-2222-3333-444444444444`;
const apiKeySecretArn = `arn:aws:secretsmanager:${region}:${account}:secret:aegis/api-key-AbCdEf`;
const certificateSecretArn = `arn:aws:secretsmanager:${region}:${account}:secret:aegis/tls-GhIjKl`;
const modelArn = `arn:aws:bedrock:${region}::foundation-model/anthropic.claude-sonnet-4-5-v1:0`;
const profileArn = `arn:aws:bedrock:${region}:${account}:inference-profile/us.anthropic.claude-sonnet-4-5-v1:0`;

/** An existing SSM parameter for the key, OIDC at the ALB, a custom domain; no WAF, no end-to-end TLS. */
let ssmOidc: Synthesised;
/** An existing Secrets Manager secret, Cognito at the ALB, shared state, own TLS certificate, named models. */
let secretCognito: Synthesised;
/** The sample as a template to deploy without the CDK. */
let plain: Synthesised;

beforeAll(() => {
  ssmOidc = synthesise((scope: Construct) => ({
    apiKeyCreate: false,
    apiKeySsmParameter: ssm.StringParameter.fromSecureStringParameterAttributes(scope, "KeyParameter", {
      parameterName: "/aegis/api-key",
    }),
    apiKeySsmParameterKey: kms.Key.fromKeyArn(scope, "ParameterKey", parameterKeyArn),
    oidc: {
      issuer: "https://idp.example.com",
      authorizationEndpoint: "https://idp.example.com/authorize",
      tokenEndpoint: "https://idp.example.com/token",
      userInfoEndpoint: "https://idp.example.com/userinfo",
      clientId: "aegis",
      clientSecret: SecretValue.secretsManager("aegis/oidc-client-secret"),
    },
    domainName: "ai.example.com",
    wafEnabled: false,
    endToEndTls: false,
  }));
  secretCognito = synthesise((scope: Construct) => {
    const userPool = cognito.UserPool.fromUserPoolId(scope, "Pool", `${region}_AbCdEfGhI`);
    return {
      apiKeyCreate: false,
      apiKeySecretsManagerSecret: secretsmanager.Secret.fromSecretAttributes(scope, "KeySecret", {
        secretCompleteArn: apiKeySecretArn,
        encryptionKey: kms.Key.fromKeyArn(scope, "SecretKey", secretKeyArn),
      }),
      apiKeySecretsManagerKey: "key",
      cognito: {
        userPool,
        userPoolClient: cognito.UserPoolClient.fromUserPoolClientId(scope, "Client", "client123"),
        userPoolDomain: cognito.UserPoolDomain.fromDomainName(scope, "Domain", "aegis-auth"),
      },
      sharedState: true,
      endToEndTls: {
        certificateSecret: secretsmanager.Secret.fromSecretCompleteArn(scope, "Tls", certificateSecretArn),
      },
      allowedModels: [modelArn, profileArn],
      allowInternetEgress: true,
    };
  });
  plain = synthesise({}, { plainTemplate: true });
});

type Statement = { Action: string | string[]; Resource?: unknown; Condition?: unknown };
const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
function policyStatements(synthesised: Synthesised): Statement[] {
  return resourcesOf(synthesised, "AWS::IAM::Policy")
    .filter(([id]) => id.includes("TaskRole"))
    .flatMap(
      ([, policy]) =>
        (policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    );
}

describe("API key from an existing SSM SecureString parameter", () => {
  it("names the parameter and lets the task read only it, decrypting only through SSM", () => {
    expect(environmentOf(containers(ssmOidc).get("gateway"))).toMatchObject({
      API_KEY_SSM_PARAMETER: "/aegis/api-key",
    });
    const statements = policyStatements(ssmOidc);
    const keyStatements = statements.filter((s) => !asList(s.Action).some((a) => a.startsWith("bedrock:")));
    expect(keyStatements).toEqual([
      {
        Action: "ssm:GetParameter",
        Effect: "Allow",
        Resource: {
          "Fn::Join": [
            "",
            ["arn:", { Ref: "AWS::Partition" }, `:ssm:${region}:${account}:parameter/aegis/api-key`],
          ],
        },
      },
      {
        Action: "kms:Decrypt",
        Effect: "Allow",
        Resource: parameterKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `ssm.${region}.amazonaws.com` } },
      },
    ]);
    ssmOidc.template.resourceCountIs("AWS::SecretsManager::Secret", 0);
  });
});

describe("API key from an existing Secrets Manager secret", () => {
  it("names the secret and its JSON key and lets the task read only it", () => {
    expect(environmentOf(containers(secretCognito).get("gateway"))).toMatchObject({
      API_KEY_SECRETSMANAGER_SECRET: apiKeySecretArn,
      API_KEY_SECRETSMANAGER_KEY: "key",
    });
    const statements = policyStatements(secretCognito);
    expect(statements).toContainEqual({
      Action: "secretsmanager:GetSecretValue",
      Effect: "Allow",
      Resource: apiKeySecretArn,
    });
    expect(statements).toContainEqual({
      Action: "kms:Decrypt",
      Effect: "Allow",
      Resource: secretKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
    });
  });

  it("scopes the invoke actions to allowedModels", () => {
    const invoke = policyStatements(secretCognito).find((s) =>
      asList(s.Action).includes("bedrock:InvokeModel"),
    );
    expect(invoke?.Resource).toEqual([modelArn, profileArn]);
  });
});

describe("OIDC at the ALB", () => {
  it("authenticates before forwarding, with the client secret as a reference", () => {
    const listener = resourcesOf(ssmOidc, "AWS::ElasticLoadBalancingV2::Listener").find(
      ([, l]) => l.Properties?.Port === 443,
    );
    const actions = listener?.[1].Properties?.DefaultActions as Record<string, unknown>[];
    expect(actions).toEqual([
      expect.objectContaining({
        Type: "authenticate-oidc",
        Order: 1,
        AuthenticateOidcConfig: expect.objectContaining({
          Issuer: "https://idp.example.com",
          ClientId: "aegis",
          ClientSecret: "{{resolve:secretsmanager:aegis/oidc-client-secret:SecretString:::}}",
          Scope: "openid",
        }),
      }),
      expect.objectContaining({ Type: "forward", Order: 2 }),
    ]);
    // The ALB reaches the identity provider's token endpoint itself.
    ssmOidc.template.hasResourceProperties("AWS::EC2::SecurityGroup", {
      GroupDescription: "Aegis ALB",
      SecurityGroupEgress: [{ CidrIp: "0.0.0.0/0", FromPort: 443, ToPort: 443, IpProtocol: "tcp" }],
    });
  });

  it("answers only for the custom domain and the ALB's name, speaking plain HTTP to targets", () => {
    const environment = environmentOf(containers(ssmOidc).get("gateway"));
    expect(environment.TRUSTED_HOSTS).toEqual({
      "Fn::Join": ["", ["ai.example.com,", { "Fn::GetAtt": [expect.stringMatching(/Alb/), "DNSName"] }]],
    });
    expect(environment).not.toHaveProperty("GRANIAN_SSL_CERTIFICATE");
    ssmOidc.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", { Protocol: "HTTP" });
    ssmOidc.template.resourceCountIs("AWS::WAFv2::WebACL", 0);
  });
});

describe("Cognito at the ALB", () => {
  it("authenticates with the user pool before forwarding", () => {
    const listener = resourcesOf(secretCognito, "AWS::ElasticLoadBalancingV2::Listener").find(
      ([, l]) => l.Properties?.Port === 443,
    );
    expect(listener?.[1].Properties?.DefaultActions).toEqual([
      expect.objectContaining({
        Type: "authenticate-cognito",
        AuthenticateCognitoConfig: expect.objectContaining({
          UserPoolClientId: "client123",
          UserPoolDomain: "aegis-auth",
          UserPoolArn: expect.anything(),
        }),
      }),
      expect.objectContaining({ Type: "forward" }),
    ]);
  });
});

describe("end-to-end TLS with your own certificate secret", () => {
  it("feeds the init container from that secret and generates nothing", () => {
    const writer = containers(secretCognito).get("tls-writer");
    expect(writer?.Secrets).toEqual([
      { Name: "TLS_CERTIFICATE_PEM", ValueFrom: `${certificateSecretArn}:certificate::` },
      { Name: "TLS_PRIVATE_KEY_PEM", ValueFrom: `${certificateSecretArn}:privateKey::` },
    ]);
    expect(resourcesOf(secretCognito, "Custom::AegisSelfSignedCertificate")).toHaveLength(0);
    secretCognito.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Protocol: "HTTPS",
      HealthCheckProtocol: "HTTPS",
    });
  });
});

describe("shared state", () => {
  it("is an ElastiCache Serverless Valkey cache in the private subnets, KMS-encrypted, with a password user", () => {
    const [[, cache] = ["", undefined]] = resourcesOf(secretCognito, "AWS::ElastiCache::ServerlessCache");
    expect(cache?.Properties).toMatchObject({
      Engine: "valkey",
      KmsKeyId: expect.anything(),
      UserGroupId: expect.anything(),
    });
    expect(JSON.stringify(cache?.Properties?.SubnetIds)).toMatch(/privateSubnet1.*privateSubnet2/);
    const users = resourcesOf(secretCognito, "AWS::ElastiCache::User").map(([, user]) => user.Properties);
    expect(users).toContainEqual(
      expect.objectContaining({
        UserName: "aegis",
        AccessString: "on ~* +@all -@admin",
        AuthenticationMode: {
          Type: "password",
          Passwords: [
            {
              "Fn::Join": [
                "",
                [
                  "{{resolve:secretsmanager:",
                  { Ref: expect.stringMatching(/Password/) },
                  ":SecretString:::}}",
                ],
              ],
            },
          ],
        },
      }),
    );
    // The user group's mandatory "default" user is switched off.
    expect(users).toContainEqual(expect.objectContaining({ UserName: "default", AccessString: "off -@all" }));
  });

  it("admits only the tasks' security group", () => {
    const [cacheGroupId] =
      resourcesOf(secretCognito, "AWS::EC2::SecurityGroup").find(([id]) => id.includes("SharedState")) ?? [];
    const ingress = resourcesOf(secretCognito, "AWS::EC2::SecurityGroupIngress")
      .map(([, rule]) => rule.Properties ?? {})
      .filter((rule) => JSON.stringify(rule.GroupId).includes(cacheGroupId ?? "?"));
    expect(ingress).toEqual([
      expect.objectContaining({
        FromPort: 6379,
        ToPort: 6380,
        SourceSecurityGroupId: { "Fn::GetAtt": [expect.stringMatching(/TaskSecurityGroup/), "GroupId"] },
      }),
    ]);
  });

  it("injects REDIS_URL (rediss:// with the password) from Secrets Manager, never as plain text", () => {
    const gateway = containers(secretCognito).get("gateway");
    expect(environmentOf(gateway)).not.toHaveProperty("REDIS_URL");
    const redis = gateway?.Secrets?.find((secret) => secret.Name === "REDIS_URL");
    const urlSecretId = (redis?.ValueFrom as { Ref: string } | undefined)?.Ref ?? "";
    const urlSecret = secretCognito.json.Resources[urlSecretId];
    expect(urlSecret?.Type).toBe("AWS::SecretsManager::Secret");
    // The password appears only as a dynamic reference CloudFormation resolves while creating the secret.
    expect(urlSecret?.Properties?.SecretString).toEqual({
      "Fn::Join": [
        "",
        [
          "rediss://aegis:{{resolve:secretsmanager:",
          { Ref: expect.stringMatching(/SharedStatePassword/) },
          ":SecretString:::}}@",
          { "Fn::GetAtt": [expect.stringMatching(/SharedStateCache/), "Endpoint.Address"] },
          ":",
          { "Fn::GetAtt": [expect.stringMatching(/SharedStateCache/), "Endpoint.Port"] },
        ],
      ],
    });
    expect(settings.REDIS_URL.secret).toBe(true);
  });

  it("lets the gateway fetch remote URLs when internet egress is allowed", () => {
    expect(environmentOf(containers(secretCognito).get("gateway"))).not.toHaveProperty(
      "ENABLE_REMOTE_URL_FETCH",
    );
    expect(resourcesOf(secretCognito, "AWS::EC2::NatGateway")).toHaveLength(2);
  });
});

describe("compliance checks of the variants", () => {
  it("pass cdk-nag and CloudFormation validation", () => {
    expect(secretCognito.validationError).toBeUndefined();
    expect(secretCognito.assembly?.manifest.missing ?? []).toEqual([]);
  });

  it("flag a deployment without WAF, and nothing else about it", () => {
    const errors = ssmOidc.validationError?.match(/^ERROR .*$/gm) ?? [];
    expect(errors).toHaveLength(1);
    expect(ssmOidc.validationError).toMatch(/NIST\.800\.53\.R5-ALBWAFEnabled/);
  });

  it("can fail: an unacknowledged finding stops synthesis", () => {
    const app = new App();
    const stack = new Stack(app, "Bad", { env: { account, region } });
    new s3.Bucket(stack, "Open"); // no TLS enforcement, no access logs
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});

describe("gateway settings of every variant", () => {
  it("are all known to the gateway's configuration schema", () => {
    for (const variant of [ssmOidc, secretCognito, plain]) {
      const gateway = containers(variant).get("gateway");
      const names = [...Object.keys(environmentOf(gateway)), ...(gateway?.Secrets ?? []).map((s) => s.Name)];
      expect(names.filter((name) => !(name in settings))).toEqual([]);
    }
  });
});

describe("plain CloudFormation template", () => {
  it("needs no CDK bootstrap: asset locations are parameters", () => {
    const template = plain.template.toJSON() as { Parameters?: Record<string, unknown>; Rules?: unknown };
    const text = JSON.stringify(template);
    expect(text).not.toMatch(/cdk-hnb659fds|BootstrapVersion/);
    expect(template.Rules).toBeUndefined();
    const parameters = Object.keys(template.Parameters ?? {});
    // The two custom resources' Lambda code: the generated certificate and the closed default security group.
    expect(parameters.filter((name) => /^AssetParameters.*S3Bucket/.test(name))).toHaveLength(2);
    expect(plain.validationError).toBeUndefined();
  });
});

describe("refused configurations", () => {
  const build = (props: (scope: Construct) => Partial<AegisGatewayProps>) => () => bareGateway(props);

  it("refuses two API key sources, no authentication at all, and fewer than two tasks", () => {
    expect(
      build((scope) => ({
        apiKeySecretsManagerSecret: secretsmanager.Secret.fromSecretNameV2(scope, "S", "aegis/key"),
      })),
    ).toThrow(/set only one API key source, got apiKeySecretsManagerSecret, apiKeyCreate/);
    expect(build(() => ({ apiKeyCreate: false }))).toThrow(/no authentication/);
    expect(build(() => ({ desiredCount: 1 }))).toThrow(/desiredCount must be at least 2/);
    expect(build(() => ({ wafEnabled: true, wafRateLimitPer5Min: 5 }))).toThrow(/wafRateLimitPer5Min/);
  });
});
