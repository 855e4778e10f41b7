import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig, settings } from "../../src/config/index.js";
import {
  bedrockInvokeActions,
  bedrockListActions,
  gatewayCommand,
  gatewayDrainSeconds,
  gatewayPort,
} from "../lib/aegis-gateway.js";
import { healthCheckProgram } from "../lib/health-check.js";
import { interfaceEndpointServices } from "../lib/network.js";
import { tlsCertificateFile, tlsDirectory, tlsKeyFile } from "../lib/tls-writer.js";
import { anonymousIpRuleGroup, countedCoreRules, managedRuleGroups } from "../lib/waf.js";
import { containers, environmentOf, region, resourcesOf, type Synthesised, synthesise } from "./synth.js";

// The sample app's stack: generated API key, WAF, VPC endpoints, access logs, end-to-end TLS.
let sample: Synthesised;
beforeAll(() => {
  sample = synthesise();
});

type Statement = { Action: string | string[]; Resource?: unknown; Effect: string; Condition?: unknown };
const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** Every IAM statement in the template: role policies, key policies, bucket and other resource policies. */
function allStatements(synthesised: Synthesised): Statement[] {
  const statements: Statement[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (Array.isArray(record.Statement)) statements.push(...(record.Statement as Statement[]));
      else Object.values(record).forEach(visit);
    }
  };
  visit(synthesised.json.Resources);
  return statements;
}

/** The task role's statements (its DefaultPolicy). */
function taskRoleStatements(synthesised: Synthesised): Statement[] {
  const [roleId] = resourcesOf(synthesised, "AWS::IAM::Role").find(([id]) => id.includes("TaskRole")) ?? [];
  return resourcesOf(synthesised, "AWS::IAM::Policy")
    .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(
      ([, policy]) =>
        (policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    );
}

describe("the gateway container", () => {
  it("runs read-only, as 65532, unprivileged, with every capability dropped and an init process", () => {
    const gateway = containers(sample).get("gateway");
    expect(gateway).toMatchObject({
      ReadonlyRootFilesystem: true,
      User: "65532:65532",
      Privileged: false,
      LinuxParameters: { Capabilities: { Drop: ["ALL"] }, InitProcessEnabled: true },
      Essential: true,
    });
    expect(
      (gateway?.LinuxParameters as { Capabilities?: { Add?: unknown } } | undefined)?.Capabilities?.Add,
    ).toBeUndefined();
  });

  it("hardens every container of the task, the TLS writer included", () => {
    const all = [...containers(sample).values()];
    expect(all.map((container) => container.Name).sort()).toEqual(["gateway", "tls-writer"]);
    for (const container of all) {
      expect(container).toMatchObject({
        ReadonlyRootFilesystem: true,
        Privileged: false,
        LinuxParameters: { Capabilities: { Drop: ["ALL"] } },
      });
    }
  });

  it("checks its own health on /health with node (the image has no shell)", () => {
    expect(containers(sample).get("gateway")?.HealthCheck).toEqual({
      Command: ["CMD", "node", "-e", healthCheckProgram],
      Interval: 30,
      Timeout: 5,
      Retries: 3,
      StartPeriod: 20,
    });
    expect(healthCheckProgram).toContain('path: "/health"');
  });

  it("runs on ARM64 Fargate and stops no sooner than the gateway drains", () => {
    sample.template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RequiresCompatibilities: ["FARGATE"],
      RuntimePlatform: { CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX" },
    });
    const gateway = containers(sample).get("gateway");
    // The drain the task asks of the gateway, as the gateway's own schema reads it, plus the seconds it
    // takes after the deadline to send the final events and exit (src/http/shutdown.ts), fit in ECS's wait.
    const drain = loadConfig({
      SHUTDOWN_DRAIN_TIMEOUT: String(environmentOf(gateway).SHUTDOWN_DRAIN_TIMEOUT),
    });
    expect(drain.SHUTDOWN_DRAIN_TIMEOUT).toBe(gatewayDrainSeconds * 1000);
    expect(gateway?.StopTimeout).toBeGreaterThanOrEqual(gatewayDrainSeconds + 2);
    expect(gateway?.StopTimeout).toBeLessThanOrEqual(120);
  });

  it("passes V8 flags on the command line, never in NODE_OPTIONS", () => {
    const gateway = containers(sample).get("gateway");
    expect(gateway?.Command).toEqual(gatewayCommand);
    expect(gatewayCommand).toEqual(
      expect.arrayContaining(["--max-semi-space-size=4", "--heap-growing-percent=20", "--v8-pool-size=1"]),
    );
    expect(environmentOf(gateway)).not.toHaveProperty("NODE_OPTIONS");
  });

  it("sets only variables the gateway's configuration schema knows", () => {
    const gateway = containers(sample).get("gateway");
    const names = [
      ...Object.keys(environmentOf(gateway)),
      ...(gateway?.Secrets ?? []).map((secret) => secret.Name),
    ];
    expect(names.length).toBeGreaterThan(5);
    const unknown = names.filter((name) => !(name in settings));
    expect(unknown).toEqual([]);
  });

  it("logs to a KMS-encrypted log group with a retention period", () => {
    const gateway = containers(sample).get("gateway");
    expect(gateway?.LogConfiguration).toMatchObject({ LogDriver: "awslogs" });
    const groupRef = (gateway?.LogConfiguration as { Options: Record<string, { Ref: string }> } | undefined)
      ?.Options["awslogs-group"]?.Ref;
    const group = sample.json.Resources[groupRef ?? ""];
    expect(group?.Type).toBe("AWS::Logs::LogGroup");
    expect(group?.Properties).toMatchObject({ KmsKeyId: { "Fn::GetAtt": [expect.any(String), "Arn"] } });
    expect(group?.Properties?.RetentionInDays).toBe(365);
    for (const [, logGroup] of resourcesOf(sample, "AWS::Logs::LogGroup")) {
      expect(logGroup.Properties?.KmsKeyId).toBeDefined();
    }
    sample.template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
  });

  it("trusts proxy headers from the VPC and answers only for the ALB's name", () => {
    const environment = environmentOf(containers(sample).get("gateway"));
    expect(environment.ENABLE_PROXY_HEADERS).toBe("true");
    expect(environment.PROXY_TRUSTED_HOSTS).toEqual({
      "Fn::GetAtt": [expect.stringMatching(/Vpc/), "CidrBlock"],
    });
    expect(JSON.stringify(environment.TRUSTED_HOSTS)).toMatch(/"DNSName"/);
    expect(environment.PORT).toBe(String(gatewayPort));
    // No NAT here: remote image/document URLs could not be fetched, so the gateway refuses them up front.
    expect(environment.ENABLE_REMOTE_URL_FETCH).toBe("false");
  });
});

describe("IAM", () => {
  it("gives the task role exactly the Bedrock actions and the key read, nothing else", () => {
    const statements = taskRoleStatements(sample);
    const actions = statements.flatMap((statement) => asList(statement.Action)).sort();
    expect(actions).toEqual(
      [...bedrockInvokeActions, ...bedrockListActions, "secretsmanager:GetSecretValue", "kms:Decrypt"].sort(),
    );
    expect([...bedrockInvokeActions, ...bedrockListActions].sort()).toEqual([
      "bedrock:CountTokens",
      "bedrock:InvokeModel",
      "bedrock:InvokeModelWithResponseStream",
      "bedrock:ListFoundationModels",
      "bedrock:ListInferenceProfiles",
    ]);
    const decrypt = statements.find((statement) => asList(statement.Action).includes("kms:Decrypt"));
    expect(decrypt?.Condition).toEqual({
      StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` },
    });
  });

  it("has no wildcard action anywhere, and no service-wide action in any role policy", () => {
    const statements = allStatements(sample);
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) expect(asList(statement.Action)).not.toContain("*");
    for (const [, policy] of resourcesOf(sample, "AWS::IAM::Policy")) {
      const document = policy.Properties?.PolicyDocument as { Statement: Statement[] };
      for (const statement of document.Statement) {
        for (const action of asList(statement.Action)) expect(action).not.toMatch(/:\*$/);
      }
    }
  });

  it("keeps the execution role apart from the task role", () => {
    const [[, task] = ["", undefined]] = resourcesOf(sample, "AWS::ECS::TaskDefinition");
    const taskRole = JSON.stringify(task?.Properties?.TaskRoleArn);
    const executionRole = JSON.stringify(task?.Properties?.ExecutionRoleArn);
    expect(taskRole).toMatch(/TaskRole/);
    expect(executionRole).toMatch(/ExecutionRole/);
    expect(taskRole).not.toBe(executionRole);
  });
});

describe("network", () => {
  it("puts the tasks in private subnets without public IPs, admitting only the ALB", () => {
    sample.template.hasResourceProperties("AWS::ECS::Service", {
      DesiredCount: 2,
      LaunchType: "FARGATE",
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: "DISABLED" } },
    });
    const [[, service] = ["", undefined]] = resourcesOf(sample, "AWS::ECS::Service");
    const subnets = JSON.stringify(
      (service?.Properties?.NetworkConfiguration as { AwsvpcConfiguration: { Subnets: unknown } } | undefined)
        ?.AwsvpcConfiguration.Subnets,
    );
    expect(subnets).toMatch(/privateSubnet1/);
    expect(subnets).not.toMatch(/public/);
    const [taskGroupId] =
      resourcesOf(sample, "AWS::EC2::SecurityGroup").find(([id]) => id.includes("TaskSecurityGroup")) ?? [];
    const ingress = [
      ...resourcesOf(sample, "AWS::EC2::SecurityGroupIngress")
        .map(([, rule]) => rule.Properties ?? {})
        .filter((rule) => JSON.stringify(rule.GroupId).includes(taskGroupId ?? "?")),
    ];
    expect(ingress).toEqual([
      expect.objectContaining({
        IpProtocol: "tcp",
        FromPort: gatewayPort,
        ToPort: gatewayPort,
        SourceSecurityGroupId: { "Fn::GetAtt": [expect.stringMatching(/AlbSecurityGroup/), "GroupId"] },
      }),
    ]);
    const taskGroup = sample.json.Resources[taskGroupId ?? ""];
    expect(taskGroup?.Properties?.SecurityGroupIngress).toBeUndefined();
  });

  it("creates the spec's VPC endpoints and no NAT gateway", () => {
    for (const service of interfaceEndpointServices) {
      sample.template.hasResourceProperties("AWS::EC2::VPCEndpoint", {
        ServiceName: `com.amazonaws.${region}.${service}`,
        VpcEndpointType: "Interface",
        PrivateDnsEnabled: true,
      });
    }
    sample.template.hasResourceProperties("AWS::EC2::VPCEndpoint", {
      ServiceName: { "Fn::Join": ["", ["com.amazonaws.", { Ref: "AWS::Region" }, ".s3"]] },
      VpcEndpointType: "Gateway",
    });
    expect(resourcesOf(sample, "AWS::EC2::VPCEndpoint")).toHaveLength(interfaceEndpointServices.length + 1);
    sample.template.resourceCountIs("AWS::EC2::NatGateway", 0);
  });

  it("lets only the tasks reach the endpoints", () => {
    const [endpointGroupId] =
      resourcesOf(sample, "AWS::EC2::SecurityGroup").find(([id]) => id.includes("EndpointSecurityGroup")) ??
      [];
    const rules = resourcesOf(sample, "AWS::EC2::SecurityGroupIngress")
      .map(([, rule]) => rule.Properties ?? {})
      .filter((rule) => JSON.stringify(rule.GroupId).includes(endpointGroupId ?? "?"));
    expect(rules).toEqual([
      expect.objectContaining({
        FromPort: 443,
        SourceSecurityGroupId: { "Fn::GetAtt": [expect.stringMatching(/TaskSecurityGroup/), "GroupId"] },
      }),
    ]);
  });
});

describe("load balancer", () => {
  it("serves HTTPS with the spec's TLS policy and redirects HTTP", () => {
    sample.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      Certificates: [{ CertificateArn: Match.stringLikeRegexp("^arn:aws:acm:") }],
    });
    sample.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 80,
      Protocol: "HTTP",
      DefaultActions: [
        { Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } },
      ],
    });
  });

  it("drops invalid header fields, is protected from deletion and logs access", () => {
    const [[, alb] = ["", undefined]] = resourcesOf(sample, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    const attributes = Object.fromEntries(
      ((alb?.Properties?.LoadBalancerAttributes ?? []) as { Key: string; Value: string }[]).map((a) => [
        a.Key,
        a.Value,
      ]),
    );
    expect(attributes).toMatchObject({
      "routing.http.drop_invalid_header_fields.enabled": "true",
      "deletion_protection.enabled": "true",
      "access_logs.s3.enabled": "true",
    });
    sample.template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it("checks target health on /health and scales on CPU and requests per target", () => {
    sample.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      HealthCheckPath: "/health",
      Matcher: { HttpCode: "200" },
      TargetType: "ip",
      Port: gatewayPort,
    });
    sample.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", {
      MinCapacity: 2,
      MaxCapacity: 10,
    });
    sample.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      },
    });
    sample.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget" },
      },
    });
  });
});

describe("WAF", () => {
  it("applies the managed rule groups, anonymous IPs and a per-IP rate limit to the ALB", () => {
    const [[, acl] = ["", undefined]] = resourcesOf(sample, "AWS::WAFv2::WebACL");
    expect(acl?.Properties).toMatchObject({ Scope: "REGIONAL", DefaultAction: { Allow: {} } });
    const rules = acl?.Properties?.Rules as {
      Name: string;
      Statement: {
        ManagedRuleGroupStatement?: { VendorName: string; Name: string; RuleActionOverrides?: unknown };
      };
    }[];
    const managed = rules.flatMap((rule) => rule.Statement.ManagedRuleGroupStatement ?? []);
    expect(managed.map((group) => group.Name).sort()).toEqual(
      [...managedRuleGroups, anonymousIpRuleGroup].sort(),
    );
    expect(managed.every((group) => group.VendorName === "AWS")).toBe(true);
    expect(rules).toContainEqual(
      expect.objectContaining({
        Name: "RateLimitPerIp",
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: "IP" } },
      }),
    );
    // Chat bodies exceed the Core Rule Set's 8 KB limit: that one rule only counts.
    expect(
      managed.find((group) => group.Name === "AWSManagedRulesCommonRuleSet")?.RuleActionOverrides,
    ).toEqual(countedCoreRules.map((name) => ({ Name: name, ActionToUse: { Count: {} } })));
    sample.template.hasResourceProperties("AWS::WAFv2::WebACLAssociation", {
      ResourceArn: { Ref: Match.stringLikeRegexp("Alb") },
    });
    sample.template.hasResourceProperties("AWS::WAFv2::LoggingConfiguration", {
      RedactedFields: [{ SingleHeader: { Name: "authorization" } }, { SingleHeader: { Name: "x-api-key" } }],
    });
  });
});

describe("generated API key", () => {
  it("is generated by Secrets Manager (64 characters, KMS), named in an output, never in the template", () => {
    const [[secretId, secret] = ["", undefined]] = resourcesOf(sample, "AWS::SecretsManager::Secret").filter(
      ([id]) => id.includes("ApiKey"),
    );
    expect(secret?.Properties).toMatchObject({
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      KmsKeyId: expect.anything(),
    });
    expect(secret?.Properties?.SecretString).toBeUndefined();
    expect(environmentOf(containers(sample).get("gateway")).API_KEY_SECRETSMANAGER_SECRET).toEqual({
      Ref: secretId,
    });
    expect(environmentOf(containers(sample).get("gateway"))).not.toHaveProperty("API_KEY");
    const read = taskRoleStatements(sample).find((s) =>
      asList(s.Action).includes("secretsmanager:GetSecretValue"),
    );
    expect(read?.Resource).toEqual({ Ref: secretId });
    const outputs = sample.template.findOutputs("*");
    const named = Object.values(outputs).filter((output) => JSON.stringify(output.Value).includes(secretId));
    expect(named).toHaveLength(1);
    expect(JSON.stringify(outputs)).not.toMatch(/resolve:secretsmanager|SecretString/);
  });
});

describe("end-to-end TLS (generated certificate)", () => {
  it("speaks HTTPS to the targets and health-checks over HTTPS", () => {
    sample.template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Protocol: "HTTPS",
      HealthCheckProtocol: "HTTPS",
      HealthCheckPath: "/health",
    });
  });

  it("hands the certificate to the gateway through the init container's read-only volume", () => {
    const all = containers(sample);
    const gateway = all.get("gateway");
    const writer = all.get("tls-writer");
    expect(environmentOf(gateway)).toMatchObject({
      GRANIAN_SSL_CERTIFICATE: tlsCertificateFile,
      GRANIAN_SSL_KEYFILE: tlsKeyFile,
      GRANIAN_SSL_PROTOCOL_MIN: "tls1.2",
    });
    expect(gateway?.MountPoints).toEqual([
      { SourceVolume: "tls", ContainerPath: tlsDirectory, ReadOnly: true },
    ]);
    expect(gateway?.DependsOn).toEqual([{ ContainerName: "tls-writer", Condition: "SUCCESS" }]);
    expect(writer).toMatchObject({
      Essential: false,
      EntryPoint: ["node"],
      Command: ["-e", expect.stringContaining("writeFileSync"), tlsDirectory],
      MountPoints: [{ SourceVolume: "tls", ContainerPath: tlsDirectory, ReadOnly: false }],
    });
    expect(writer?.Environment).toBeUndefined();
    const [[certificateId] = [""]] = resourcesOf(sample, "AWS::SecretsManager::Secret").filter(([id]) =>
      id.includes("EndToEndTls"),
    );
    expect(writer?.Secrets).toEqual([
      {
        Name: "TLS_CERTIFICATE_PEM",
        ValueFrom: { "Fn::Join": ["", [{ Ref: certificateId }, ":certificate::"]] },
      },
      {
        Name: "TLS_PRIVATE_KEY_PEM",
        ValueFrom: { "Fn::Join": ["", [{ Ref: certificateId }, ":privateKey::"]] },
      },
    ]);
    sample.template.hasResourceProperties("AWS::ECS::TaskDefinition", { Volumes: [{ Name: "tls" }] });
  });

  it("generates the certificate at deploy time, before the service starts", () => {
    const [[generatorId, generator] = ["", undefined]] = resourcesOf(
      sample,
      "Custom::AegisSelfSignedCertificate",
    );
    expect(generator?.Properties).toMatchObject({
      SecretArn: { Ref: expect.stringMatching(/EndToEndTlsCertificate/) },
    });
    const [[, service] = ["", undefined]] = resourcesOf(sample, "AWS::ECS::Service");
    expect((service as { DependsOn?: string[] }).DependsOn).toContain(generatorId);
  });
});

describe("compliance checks", () => {
  it("passes cdk-nag's AwsSolutions and NIST 800-53 R5 packs and CloudFormation validation", () => {
    expect(sample.validationError).toBeUndefined();
    const failures = (sample.validationReport?.pluginReports ?? []).filter(
      (report) => report.conclusion !== "success",
    );
    expect(failures).toEqual([]);
  });

  it("synthesises offline: no context lookup is missing", () => {
    expect(sample.assembly?.manifest.missing ?? []).toEqual([]);
  });
});
