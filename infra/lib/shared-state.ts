import { Fn, Names, SecretValue } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elasticache from "aws-cdk-lib/aws-elasticache";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.js";

export interface SharedStateProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The tasks' security group: the only one the cache admits. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
  readonly engine: "valkey" | "redis";
}

/** ElastiCache Serverless listens here (6380 is the reader endpoint). */
const cachePorts = ec2.Port.tcpRange(6379, 6380);

/**
 * An ElastiCache Serverless cache the gateway instances share (REDIS_URL). Serverless caches only speak
 * TLS. Access needs a password user: its password is generated into Secrets Manager and reaches
 * ElastiCache through a CloudFormation dynamic reference, and the whole rediss:// URL is a second
 * secret because ECS injects a secret as one whole environment variable.
 */
export class SharedState extends Construct {
  readonly cache: elasticache.CfnServerlessCache;
  readonly securityGroup: ec2.SecurityGroup;
  /** The complete `rediss://user:password@host:port` URL, for the task's REDIS_URL secret. */
  readonly redisUrlSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: SharedStateProps) {
    super(scope, id);
    const name = Names.uniqueResourceName(this, { maxLength: 32, separator: "-" }).toLowerCase();
    const userName = "aegis";

    this.securityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc: props.vpc,
      description: "Aegis shared-state cache: reachable from the gateway tasks only",
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, cachePorts, "Aegis gateway tasks");
    props.clientSecurityGroup.addEgressRule(this.securityGroup, cachePorts, "Aegis shared-state cache");

    const password = new secretsmanager.Secret(this, "Password", {
      description: "Password of the Aegis user of the shared-state cache",
      encryptionKey: props.encryptionKey,
      // ElastiCache passwords: 16-128 printable characters; alphanumerics also need no escaping in a URL.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    const passwordReference = password.secretValue.unsafeUnwrap(); // a {{resolve:...}} reference, not the value

    const user = new elasticache.CfnUser(this, "User", {
      engine: props.engine,
      userId: `${name}-gw`.slice(0, 40),
      userName,
      // Everything but administration. Not -@dangerous: that category holds INFO, ioredis's ready check on
      // every connect (checked against redis-server 7: refused, ioredis skips the check with a warning).
      accessString: "on ~* +@all -@admin",
      authenticationMode: { Type: "password", Passwords: [passwordReference] },
    });
    // User groups must contain a user named "default"; this one is switched off and has no rights.
    const defaultUser = new elasticache.CfnUser(this, "DisabledDefaultUser", {
      engine: props.engine,
      userId: `${name}-off`.slice(0, 40),
      userName: "default",
      accessString: "off -@all",
      authenticationMode: { Type: "password", Passwords: [passwordReference] },
    });
    const group = new elasticache.CfnUserGroup(this, "UserGroup", {
      engine: props.engine,
      userGroupId: `${name}-users`.slice(0, 40),
      userIds: [user.userId, defaultUser.userId],
    });
    group.node.addDependency(user, defaultUser);

    this.cache = new elasticache.CfnServerlessCache(this, "Cache", {
      serverlessCacheName: name,
      engine: props.engine,
      description: "Aegis gateway shared state",
      kmsKeyId: props.encryptionKey.keyArn,
      securityGroupIds: [this.securityGroup.securityGroupId],
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
      userGroupId: group.userGroupId,
      snapshotRetentionLimit: 1,
    });
    this.cache.node.addDependency(group);

    this.redisUrlSecret = new secretsmanager.Secret(this, "RedisUrl", {
      description: "REDIS_URL of the Aegis gateway (rediss:// with the cache user's password)",
      encryptionKey: props.encryptionKey,
      // CloudFormation resolves the password reference while creating this secret; the template holds
      // only the reference.
      secretStringValue: SecretValue.unsafePlainText(
        Fn.join("", [
          `rediss://${userName}:`,
          passwordReference,
          "@",
          this.cache.attrEndpointAddress,
          ":",
          this.cache.attrEndpointPort,
        ]),
      ),
    });
    for (const secret of [password, this.redisUrlSecret]) {
      acknowledge(
        secret,
        ["AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled"],
        "The cache password is reachable only from the tasks' security group and travels only over TLS; rotating it means updating the ElastiCache user and REDIS_URL together, which a redeploy with a new secret does",
      );
    }
  }
}
