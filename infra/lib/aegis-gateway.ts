import { CfnOutput, Duration, RemovalPolicy, type SecretValue, Stack, Token } from "aws-cdk-lib";
import type * as acm from "aws-cdk-lib/aws-certificatemanager";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as elbv2Actions from "aws-cdk-lib/aws-elasticloadbalancingv2-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledge, wildcardResource } from "./acknowledge.js";
import { GatewayAlarms, type GatewayAlarmsProps } from "./alarms.js";
import { ApiKey, type ApiKeyProps } from "./api-key.js";
import { EndToEndTls } from "./end-to-end-tls.js";
import { checkedNamespace, emfDefaultNamespace } from "./gateway-metrics.js";
import { GatewayGuardrail, type GatewayGuardrailProps, grantKeyGuardrails } from "./guardrail.js";
import { healthCheckProgram } from "./health-check.js";
import { Network } from "./network.js";
import { OperationsDashboard } from "./operations-dashboard.js";
import { SharedState } from "./shared-state.js";
import { Waf } from "./waf.js";

/** The port the gateway listens on (its PORT default). */
export const gatewayPort = 8000;

/**
 * How long the gateway drains in-flight requests after SIGTERM (SHUTDOWN_DRAIN_TIMEOUT, set from this).
 * At that deadline it sends open streams a final error event and exits within a couple of seconds; ECS
 * waits `gatewayStopSeconds` before SIGKILL, so a stop never cuts a stream short of that event.
 */
export const gatewayDrainSeconds = 30;
export const gatewayStopSeconds = gatewayDrainSeconds + 5;

/** V8 flags the gateway is tuned with (package.json "start"); on the command line, never in NODE_OPTIONS. */
export const gatewayCommand = [
  "node",
  "--max-semi-space-size=4",
  "--heap-growing-percent=20",
  "--v8-pool-size=1",
  "dist/main.js",
];

/** Actions the gateway calls on Bedrock: Converse(Stream) and InvokeModel map to the first two. */
export const bedrockInvokeActions = [
  "bedrock:InvokeModel",
  "bedrock:InvokeModelWithResponseStream",
  "bedrock:CountTokens",
] as const;
/** Listing actions, which have no resource-level permissions. */
export const bedrockListActions = ["bedrock:ListFoundationModels", "bedrock:ListInferenceProfiles"] as const;

/** An OpenID Connect identity provider the ALB authenticates users with before they reach the gateway. */
export interface OidcProps {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  readonly clientId: string;
  /** Use SecretValue.secretsManager(...) so the template holds a reference, not the secret. */
  readonly clientSecret: SecretValue;
  /** @default "openid" */
  readonly scope?: string;
}

/** An Amazon Cognito user pool the ALB authenticates users with. */
export interface CognitoProps {
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
  readonly userPoolDomain: cognito.IUserPoolDomain;
}

/** End-to-end TLS: the ALB speaks HTTPS to the container too. */
export interface EndToEndTlsProps {
  /**
   * A secret with JSON fields `certificate` (PEM, chain allowed) and `privateKey` (PKCS#8 PEM), e.g. a
   * certificate exported from ACM Private CA. Unset: the construct generates a self-signed certificate
   * at deploy time into a new secret (the ALB does not validate target certificates; it encrypts).
   */
  readonly certificateSecret?: secretsmanager.ISecret;
}

export interface AegisGatewayProps extends ApiKeyProps {
  /** The gateway image: an image URI (e.g. an ECR repository's) or a ContainerImage (see gatewayImageFromRepo). */
  readonly image: ecs.ContainerImage | string;
  /** ACM certificate of the HTTPS listener. */
  readonly certificate: acm.ICertificate;
  /** The custom domain name clients use; added to TRUSTED_HOSTS next to the ALB's own name. */
  readonly domainName?: string;

  /** @default a new VPC with `maxAzs` AZs */
  readonly vpc?: ec2.IVpc;
  /** AZs of the new VPC. @default 2 */
  readonly maxAzs?: number;
  /** Interface endpoints for Bedrock, SSM, Secrets Manager, Logs, ECR, KMS and an S3 gateway endpoint. @default true */
  readonly vpcEndpoints?: boolean;
  /**
   * Give the tasks a NAT route and HTTPS egress to the internet, needed for image/document URLs in
   * messages (ENABLE_REMOTE_URL_FETCH). Off: remote fetching is turned off in the gateway. @default false
   */
  readonly allowInternetEgress?: boolean;

  /** @default ARM64 */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /** @default 1024 */
  readonly cpu?: number;
  /** @default 2048 */
  readonly memoryLimitMiB?: number;
  /** Tasks at rest; at least 2 so an AZ can fail. @default 2 */
  readonly desiredCount?: number;
  /** @default 10 */
  readonly maxCount?: number;
  /** Target average CPU of the autoscaling policy. @default 60 */
  readonly scaleOnCpuPercent?: number;
  /** Target ALB requests per task per minute of the autoscaling policy. @default 600 */
  readonly scaleOnRequestsPerTarget?: number;

  /**
   * Model and inference-profile ARNs the task may invoke. Unset: every model the account can use
   * (the actions stay the five the gateway needs).
   */
  readonly allowedModels?: string[];

  /** TLS policy of the HTTPS listener (spec: `alb_ssl_policy`). @default TLS13_12_RES_PQ (ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09) */
  readonly sslPolicy?: elbv2.SslPolicy;
  /** @default true */
  readonly internetFacing?: boolean;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** ALB access logs: true for a new bucket, or a bucket of yours. @default false */
  readonly accessLogs?: boolean | s3.IBucket;

  /** WAFv2 web ACL on the ALB (spec: `alb_waf_enabled`). @default false */
  readonly wafEnabled?: boolean;
  /** Requests per client IP per 5 minutes (spec: `alb_waf_rate_limit`). @default 2000 */
  readonly wafRateLimitPer5Min?: number;
  /** Block known VPNs, open proxies and Tor exit nodes (spec: `alb_waf_block_anonymous_ips`). @default false */
  readonly wafBlockAnonymousIps?: boolean;

  /** End-to-end TLS to the container: true for a generated self-signed certificate. @default false */
  readonly endToEndTls?: boolean | EndToEndTlsProps;
  /** Authenticate users with OIDC at the ALB. */
  readonly oidc?: OidcProps;
  /** Authenticate users with Cognito at the ALB. */
  readonly cognito?: CognitoProps;
  /** Deploy without any authentication (no API key, no OIDC/Cognito). @default false: the construct refuses */
  readonly allowNoAuthentication?: boolean;

  /** An ElastiCache Serverless cache shared by the tasks (REDIS_URL). @default false */
  readonly sharedState?: boolean;
  /** @default "valkey" */
  readonly sharedStateEngine?: "valkey" | "redis";

  /** KMS key for logs, secrets and the cache. @default a new key with rotation */
  readonly encryptionKey?: kms.IKey;
  /** @default ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** More gateway settings (names from the gateway's configuration reference). */
  readonly environment?: Record<string, string>;

  /** The gateway's own CloudWatch metrics (CLOUDWATCH_EMF: EMF lines on stdout, no agent). @default true */
  readonly cloudWatchEmf?: boolean;
  /** Their namespace (CLOUDWATCH_EMF_NAMESPACE); give each deployment in one account and region its own. @default "Aegis" */
  readonly metricsNamespace?: string;
  /** A CloudWatch dashboard of the gateway, the ALB and the service. @default true */
  readonly dashboard?: boolean;
  /** Alarms on the 5xx rate, 429 answers and p99 time to first token: `false` for none. @default true (the defaults of GatewayAlarmsProps) */
  readonly alarms?: boolean | GatewayAlarmsProps;
  /** A Bedrock guardrail on every generative call: an existing one, or one created from presets. @default none */
  readonly guardrail?: GatewayGuardrailProps;
  /**
   * The guardrails named keys carry (`guardrail.identifier` of entries in API_KEYS_*): ids or ARNs. The task
   * role may call bedrock:ApplyGuardrail on each, which a key's calls need. @default none
   */
  readonly keyGuardrails?: readonly string[];
}

/** Settings the construct sets from its own properties, so they may not come through `environment`. */
const settingsOfProperties: Record<string, string> = {
  CLOUDWATCH_EMF: "cloudWatchEmf",
  CLOUDWATCH_EMF_NAMESPACE: "metricsNamespace",
  AWS_BEDROCK_GUARDRAIL_IDENTIFIER: "guardrail",
  AWS_BEDROCK_GUARDRAIL_VERSION: "guardrail",
  AWS_BEDROCK_GUARDRAIL_TRACE: "guardrail.trace",
  AWS_BEDROCK_GUARDRAIL_STREAM_MODE: "guardrail.streamMode",
};

/**
 * Aegis on ECS Fargate behind an HTTPS ALB, hardened by default: read-only root filesystem, every Linux
 * capability dropped, non-root user, least-privilege IAM, KMS-encrypted logs and secrets, tasks in
 * private subnets reachable from the ALB only.
 */
export class AegisGateway extends Construct {
  readonly vpc: ec2.IVpc;
  readonly encryptionKey: kms.IKey;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly taskRole: iam.Role;
  readonly taskSecurityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;
  readonly apiKey: ApiKey;
  readonly waf?: Waf;
  readonly sharedState?: SharedState;
  readonly endToEndTls?: EndToEndTls;
  readonly guardrail?: GatewayGuardrail;
  readonly alarms?: GatewayAlarms;
  readonly dashboard?: OperationsDashboard;

  constructor(scope: Construct, id: string, props: AegisGatewayProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const desiredCount = props.desiredCount ?? 2;
    if (desiredCount < 2) throw new Error("AegisGateway: desiredCount must be at least 2 (one task per AZ)");
    const maxCount = props.maxCount ?? 10;
    if (maxCount < desiredCount) throw new Error("AegisGateway: maxCount must not be below desiredCount");
    if (props.oidc && props.cognito) throw new Error("AegisGateway: set oidc or cognito, not both");
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const vpcEndpoints = props.vpcEndpoints ?? true;
    const allowInternetEgress = props.allowInternetEgress ?? false;
    for (const name of Object.keys(props.environment ?? {})) {
      const property = settingsOfProperties[name];
      if (property)
        throw new Error(`AegisGateway: set ${name} with the ${property} property, not in environment`);
    }
    const emfNamespace =
      (props.cloudWatchEmf ?? true)
        ? checkedNamespace(props.metricsNamespace ?? emfDefaultNamespace)
        : undefined;

    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, "Key", {
        description: "Aegis gateway: logs, secrets and shared state",
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    // CloudWatch Logs encrypts with the key itself, for log groups of this account and region only.
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources: ["*"],
        conditions: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
          },
        },
      }),
    );

    const network = new Network(this, "Network", {
      vpc: props.vpc,
      vpcEndpoints,
      allowInternetEgress,
      maxAzs: props.maxAzs ?? 2,
      encryptionKey: this.encryptionKey,
      logRetention,
    });
    this.vpc = network.vpc;

    // --- Security groups: internet (or VPC) -> ALB -> tasks, nothing else in.
    const albSecurityGroup = new ec2.SecurityGroup(this, "AlbSecurityGroup", {
      vpc: this.vpc,
      description: "Aegis ALB",
      allowAllOutbound: false,
    });
    const clients =
      (props.internetFacing ?? true) ? ec2.Peer.anyIpv4() : ec2.Peer.ipv4(this.vpc.vpcCidrBlock);
    albSecurityGroup.addIngressRule(clients, ec2.Port.tcp(443), "HTTPS clients");
    albSecurityGroup.addIngressRule(clients, ec2.Port.tcp(80), "HTTP, redirected to HTTPS");
    if (props.internetFacing ?? true) {
      acknowledge(
        albSecurityGroup,
        ["AwsSolutions-EC23"],
        "An internet-facing load balancer admits HTTPS (and HTTP, redirected) from anywhere; WAF, the API key or OIDC/Cognito decide who gets through",
      );
    }
    this.taskSecurityGroup = new ec2.SecurityGroup(this, "TaskSecurityGroup", {
      vpc: this.vpc,
      description: "Aegis gateway tasks: in from the ALB only",
      allowAllOutbound: false,
    });
    this.taskSecurityGroup.addIngressRule(albSecurityGroup, ec2.Port.tcp(gatewayPort), "Aegis ALB");
    albSecurityGroup.addEgressRule(this.taskSecurityGroup, ec2.Port.tcp(gatewayPort), "Aegis tasks");
    // HTTPS out: the VPC endpoints, the S3 gateway endpoint (ECR layers) and, with allowInternetEgress, the
    // NAT. Without a NAT the subnets' routes reach nothing else, so the route table is the hard limit.
    this.taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "AWS APIs over HTTPS");
    network.endpointSecurityGroup?.addIngressRule(
      this.taskSecurityGroup,
      ec2.Port.tcp(443),
      "Aegis gateway tasks",
    );

    // --- Load balancer.
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, "Alb", {
      vpc: this.vpc,
      internetFacing: props.internetFacing ?? true,
      vpcSubnets: {
        subnetType: (props.internetFacing ?? true) ? ec2.SubnetType.PUBLIC : undefined,
        subnets:
          (props.internetFacing ?? true) ? undefined : this.vpc.selectSubnets(network.taskSubnets).subnets,
      },
      securityGroup: albSecurityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection ?? true,
      // Streams can be quiet while a model thinks; the gateway's keep-alive (65 s) outlasts this.
      idleTimeout: Duration.seconds(60),
    });
    if (props.accessLogs) {
      const bucket =
        props.accessLogs === true
          ? new s3.Bucket(this, "AccessLogs", {
              // ALB access logs can only be delivered to SSE-S3 buckets, not SSE-KMS.
              encryption: s3.BucketEncryption.S3_MANAGED,
              enforceSSL: true,
              blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
              objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
              versioned: true,
              removalPolicy: RemovalPolicy.RETAIN,
              lifecycleRules: [{ expiration: Duration.days(365) }],
            })
          : props.accessLogs;
      this.loadBalancer.logAccessLogs(bucket, "aegis");
      if (props.accessLogs === true) {
        acknowledge(
          bucket,
          ["AwsSolutions-S1", "NIST.800.53.R5-S3BucketLoggingEnabled"],
          "This bucket is the access-log sink itself; logging its own accesses would need yet another log bucket",
        );
        acknowledge(
          bucket,
          ["NIST.800.53.R5-S3DefaultEncryptionKMS"],
          "ALB access logs can only be delivered to buckets encrypted with SSE-S3, not SSE-KMS",
        );
        acknowledge(
          bucket,
          ["NIST.800.53.R5-S3BucketReplicationEnabled"],
          "Access logs are kept in one region (versioned, retained); pass your own replicated bucket as accessLogs if you need a copy",
        );
      }
    }

    // --- Task definition.
    this.taskRole = new iam.Role(this, "TaskRole", {
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: "Aegis gateway task: Bedrock and its API key, nothing else",
    });
    const executionRole = new iam.Role(this, "ExecutionRole", {
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: "Aegis gateway task execution: pull the image, write logs, inject secrets",
    });
    this.addBedrockPermissions(props.allowedModels);
    if (props.guardrail) {
      this.guardrail = new GatewayGuardrail(this, "Guardrail", {
        guardrail: props.guardrail,
        taskRole: this.taskRole,
      });
    }
    grantKeyGuardrails(this, this.taskRole, props.keyGuardrails ?? []);
    acknowledge(
      executionRole,
      [wildcardResource("*")],
      "ecr:GetAuthorizationToken has no resource-level permissions; image pulls are scoped to the image's repository",
    );
    for (const role of [this.taskRole, executionRole]) {
      acknowledge(
        role,
        ["NIST.800.53.R5-IAMNoInlinePolicy"],
        "Each role has one policy of its own, scoped to this gateway's resources; a managed policy would grant the same",
      );
    }

    this.taskDefinition = new ecs.FargateTaskDefinition(this, "Task", {
      cpu: props.cpu ?? 1024,
      memoryLimitMiB: props.memoryLimitMiB ?? 2048,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: this.taskRole,
      executionRole,
    });

    this.logGroup = new logs.LogGroup(this, "Logs", {
      encryptionKey: this.encryptionKey,
      retention: logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.apiKey = new ApiKey(this, "ApiKey", {
      ...props,
      encryptionKey: this.encryptionKey,
      taskRole: this.taskRole,
    });
    if (!this.apiKey.configured && !props.oidc && !props.cognito && !props.allowNoAuthentication) {
      throw new Error(
        "AegisGateway: no authentication: set an API key source (apiKeyCreate, apiKeySsmParameter, apiKeySecretsManagerSecret), oidc or cognito, or allowNoAuthentication",
      );
    }

    const endToEndTls = props.endToEndTls === true ? {} : props.endToEndTls || undefined;
    const trustedHosts = [props.domainName, this.loadBalancer.loadBalancerDnsName].filter(
      (name): name is string => name !== undefined,
    );
    const environment: Record<string, string> = {
      SHUTDOWN_DRAIN_TIMEOUT: `${gatewayDrainSeconds}s`,
      PORT: String(gatewayPort),
      // Host header validation: the names clients reach the ALB by (GET /health is exempt).
      TRUSTED_HOSTS: trustedHosts.join(","),
      // The ALB is the only peer (security group), inside the VPC's range.
      ENABLE_PROXY_HEADERS: "true",
      PROXY_TRUSTED_HOSTS: this.vpc.vpcCidrBlock,
      ...(allowInternetEgress ? {} : { ENABLE_REMOTE_URL_FETCH: "false" }),
      ...this.apiKey.environment,
      ...(emfNamespace !== undefined
        ? { CLOUDWATCH_EMF: "true", CLOUDWATCH_EMF_NAMESPACE: emfNamespace }
        : {}),
      ...this.guardrail?.environment,
      ...props.environment,
    };
    const secrets: Record<string, ecs.Secret> = {};

    if (props.sharedState) {
      this.sharedState = new SharedState(this, "SharedState", {
        vpc: this.vpc,
        subnets: network.taskSubnets,
        clientSecurityGroup: this.taskSecurityGroup,
        encryptionKey: this.encryptionKey,
        engine: props.sharedStateEngine ?? "valkey",
      });
      secrets.REDIS_URL = ecs.Secret.fromSecretsManager(this.sharedState.redisUrlSecret);
    }

    const image = typeof props.image === "string" ? imageFromUri(this, props.image) : props.image;
    this.container = this.taskDefinition.addContainer("gateway", {
      image,
      command: gatewayCommand,
      essential: true,
      readonlyRootFilesystem: true,
      user: "65532:65532",
      privileged: false,
      linuxParameters: this.hardenedLinuxParameters("GatewayLinux"),
      portMappings: [{ containerPort: gatewayPort, protocol: ecs.Protocol.TCP, name: "http" }],
      environment,
      secrets,
      stopTimeout: Duration.seconds(gatewayStopSeconds),
      healthCheck: {
        command: ["CMD", "node", "-e", healthCheckProgram],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(20),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: "gateway" }),
    });
    acknowledge(
      this.taskDefinition,
      ["AwsSolutions-ECS2"],
      "The environment holds only non-secret settings and the names of secrets; secret values (API key, REDIS_URL, TLS key) come from Secrets Manager or SSM",
    );

    if (endToEndTls) {
      this.endToEndTls = new EndToEndTls(this, "EndToEndTls", {
        taskDefinition: this.taskDefinition,
        gateway: this.container,
        image,
        linuxParameters: this.hardenedLinuxParameters("TlsWriterLinux"),
        certificateSecret: endToEndTls.certificateSecret,
        encryptionKey: this.encryptionKey,
        logGroup: this.logGroup,
      });
    }

    // --- Service and its target group.
    const cluster = new ecs.Cluster(this, "Cluster", {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.service = new ecs.FargateService(this, "Service", {
      cluster,
      taskDefinition: this.taskDefinition,
      desiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: network.taskSubnets,
      securityGroups: [this.taskSecurityGroup],
      circuitBreaker: { rollback: true },
      enableExecuteCommand: false,
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
      healthCheckGracePeriod: Duration.seconds(30),
    });
    // The service must not start before the generated certificate is in its secret.
    if (this.endToEndTls?.generator) this.service.node.addDependency(this.endToEndTls.generator);
    const targetProtocol = endToEndTls ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP;
    const targetGroup = new elbv2.ApplicationTargetGroup(this, "Targets", {
      vpc: this.vpc,
      port: gatewayPort,
      protocol: targetProtocol,
      targetType: elbv2.TargetType.IP,
      targets: [this.service.loadBalancerTarget({ containerName: "gateway", containerPort: gatewayPort })],
      healthCheck: {
        path: "/health",
        protocol: endToEndTls ? elbv2.Protocol.HTTPS : elbv2.Protocol.HTTP,
        healthyHttpCodes: "200",
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // The ALB stops sending new requests, then ECS signals the task, which drains what is in flight.
      deregistrationDelay: Duration.seconds(gatewayDrainSeconds),
    });

    // --- Listeners: HTTPS (authenticating first when asked), HTTP redirects.
    const forward = elbv2.ListenerAction.forward([targetGroup]);
    let defaultAction = forward;
    if (props.oidc) {
      defaultAction = elbv2.ListenerAction.authenticateOidc({
        issuer: props.oidc.issuer,
        authorizationEndpoint: props.oidc.authorizationEndpoint,
        tokenEndpoint: props.oidc.tokenEndpoint,
        userInfoEndpoint: props.oidc.userInfoEndpoint,
        clientId: props.oidc.clientId,
        clientSecret: props.oidc.clientSecret,
        scope: props.oidc.scope ?? "openid",
        next: forward,
      });
      // The ALB calls the IdP's token and user-info endpoints itself.
      albSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "OIDC identity provider");
    } else if (props.cognito) {
      defaultAction = new elbv2Actions.AuthenticateCognitoAction({ ...props.cognito, next: forward });
    }
    this.loadBalancer.addListener("Https", {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [props.certificate],
      sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.TLS13_12_RES_PQ,
      defaultAction,
      open: false,
    });
    const redirect = this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443, open: false });
    acknowledge(
      redirect,
      ["NIST.800.53.R5-ELBv2ACMCertificateRequired"],
      "Port 80 only answers with a redirect to HTTPS; it serves no content that a certificate could protect",
    );

    const scaling = this.service.autoScaleTaskCount({ minCapacity: desiredCount, maxCapacity: maxCount });
    scaling.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: props.scaleOnCpuPercent ?? 60 });
    scaling.scaleOnRequestCount("Requests", {
      requestsPerTarget: props.scaleOnRequestsPerTarget ?? 600,
      targetGroup,
    });

    if (props.wafEnabled) {
      this.waf = new Waf(this, "Waf", {
        loadBalancerArn: this.loadBalancer.loadBalancerArn,
        rateLimitPer5Min: props.wafRateLimitPer5Min ?? 2000,
        blockAnonymousIps: props.wafBlockAnonymousIps ?? false,
        encryptionKey: this.encryptionKey,
        logRetention,
      });
    }

    if (props.alarms !== false) {
      this.alarms = new GatewayAlarms(this, "Alarms", {
        ...(typeof props.alarms === "object" ? props.alarms : {}),
        emfNamespace,
        loadBalancer: this.loadBalancer,
      });
    }
    if (props.dashboard ?? true) {
      this.dashboard = new OperationsDashboard(this, "Operations", {
        emfNamespace,
        loadBalancer: this.loadBalancer,
        service: this.service,
        alarms: this.alarms?.all ?? [],
      });
    }

    new CfnOutput(this, "Url", {
      value: `https://${props.domainName ?? this.loadBalancer.loadBalancerDnsName}`,
    });
    if (this.apiKey.generatedSecret) {
      new CfnOutput(this, "ApiKeySecretName", {
        description: "Secrets Manager secret holding the generated API key (read it with get-secret-value)",
        value: this.apiKey.generatedSecret.secretName,
      });
    }
  }

  /** No capabilities, and an init process that reaps children and forwards SIGTERM. */
  private hardenedLinuxParameters(id: string): ecs.LinuxParameters {
    const parameters = new ecs.LinuxParameters(this, id, { initProcessEnabled: true });
    parameters.dropCapabilities(ecs.Capability.ALL);
    return parameters;
  }

  private addBedrockPermissions(allowedModels: string[] | undefined): void {
    if (allowedModels !== undefined && allowedModels.length === 0) {
      throw new Error("AegisGateway: allowedModels is empty; leave it unset to allow every model");
    }
    const stack = Stack.of(this);
    // Every model and profile of the account when allowedModels is unset. Cross-region inference profiles
    // route to the model in other regions, hence the region wildcards.
    const anyModel = (partition: string, region: string, account: string) => [
      `arn:${partition}:bedrock:*::foundation-model/*`,
      `arn:${partition}:bedrock:*:${account}:inference-profile/*`,
      `arn:${partition}:bedrock:${region}:${account}:application-inference-profile/*`,
    ];
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "BedrockInvoke",
        actions: [...bedrockInvokeActions],
        resources: allowedModels ?? anyModel(stack.partition, stack.region, stack.account),
      }),
    );
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: "BedrockList", actions: [...bedrockListActions], resources: ["*"] }),
    );
    acknowledge(
      this.taskRole,
      [wildcardResource("*")],
      "bedrock:ListFoundationModels and bedrock:ListInferenceProfiles have no resource-level permissions",
    );
    if (allowedModels === undefined) {
      // cdk-nag names the resources as rendered: pseudo parameters as <AWS::...>, known values as such.
      const shown = (value: string, pseudo: string) =>
        Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
      const rendered = anyModel(
        "<AWS::Partition>",
        shown(stack.region, "Region"),
        shown(stack.account, "AccountId"),
      );
      acknowledge(
        this.taskRole,
        rendered.map(wildcardResource),
        "allowedModels is unset: the gateway may invoke any model of the account; set allowedModels to name them",
      );
    }
  }
}

const ecrUri =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+)|@(sha256:[0-9a-f]{64}))?$/;

/** An ECR URI becomes a repository reference, so the execution role may pull from that repository only. */
function imageFromUri(scope: Construct, uri: string): ecs.ContainerImage {
  const match = ecrUri.exec(uri);
  if (!match) return ecs.ContainerImage.fromRegistry(uri);
  const [, account, region, name, tag, digest] = match as unknown as [
    string,
    string,
    string,
    string,
    string?,
    string?,
  ];
  const repository = ecr.Repository.fromRepositoryAttributes(scope, "ImageRepository", {
    repositoryName: name,
    repositoryArn: Stack.of(scope).formatArn({
      service: "ecr",
      account,
      region,
      resource: "repository",
      resourceName: name,
    }),
  });
  return ecs.ContainerImage.fromEcrRepository(repository, digest ?? tag ?? "latest");
}
