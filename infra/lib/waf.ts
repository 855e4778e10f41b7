import { ArnFormat, Names, RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";

/** AWS managed rule groups the web ACL always applies (the spec's list plus Known Bad Inputs). */
export const managedRuleGroups = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesLinuxRuleSet",
  "AWSManagedRulesAmazonIpReputationList",
] as const;

/** Blocks known VPNs, open proxies and Tor exit nodes (spec: `alb_waf_block_anonymous_ips`). */
export const anonymousIpRuleGroup = "AWSManagedRulesAnonymousIpList";

/**
 * Core Rule Set rules switched to count: SizeRestrictions_BODY blocks every body over 8 KB, which is most
 * chat requests (long prompts, base64 images); the gateway enforces its own MAX_REQUEST_BODY_SIZE.
 */
export const countedCoreRules = ["SizeRestrictions_BODY"] as const;

export interface WafProps {
  readonly loadBalancerArn: string;
  /** Requests one client IP may send per 5 minutes before it is blocked (spec: `alb_waf_rate_limit`). */
  readonly rateLimitPer5Min: number;
  readonly blockAnonymousIps: boolean;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/** A regional WAFv2 web ACL on the ALB, logging to an encrypted log group. */
export class Waf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WafProps) {
    super(scope, id);
    if (!Number.isInteger(props.rateLimitPer5Min) || props.rateLimitPer5Min < 10) {
      throw new Error(
        "AegisGateway: wafRateLimitPer5Min must be an integer of at least 10 (the WAF minimum)",
      );
    }
    const groups: string[] = [...managedRuleGroups];
    if (props.blockAnonymousIps) groups.push(anonymousIpRuleGroup);
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: "RateLimitPerIp",
        priority: 0,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: props.rateLimitPer5Min, aggregateKeyType: "IP" } },
        visibilityConfig: visibility("RateLimitPerIp"),
      },
      ...groups.map(
        (name, index): wafv2.CfnWebACL.RuleProperty => ({
          name,
          priority: index + 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: "AWS",
              name,
              ruleActionOverrides:
                name === "AWSManagedRulesCommonRuleSet"
                  ? countedCoreRules.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
                  : undefined,
            },
          },
          visibilityConfig: visibility(name),
        }),
      ),
    ];
    this.webAcl = new wafv2.CfnWebACL(this, "WebAcl", {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules,
      visibilityConfig: visibility("AegisWebAcl"),
    });
    new wafv2.CfnWebACLAssociation(this, "Association", {
      resourceArn: props.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });
    // WAF only delivers to log groups whose name starts with aws-waf-logs-.
    const logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 100 })}`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new wafv2.CfnLoggingConfiguration(this, "Logging", {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group's ARN without the ":*" that logGroupArn ends with.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: "logs",
          resource: "log-group",
          resourceName: logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // Clients send their API key in these headers; WAF logs must not keep it.
      redactedFields: [{ singleHeader: { Name: "authorization" } }, { singleHeader: { Name: "x-api-key" } }],
    });
  }
}
