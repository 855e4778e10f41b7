import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.js";

/** Interface endpoints the tasks reach AWS through when `vpcEndpoints` is on (the spec's list). */
export const interfaceEndpointServices = [
  "bedrock-runtime",
  "bedrock",
  "ssm",
  "secretsmanager",
  "logs",
  "ecr.api",
  "ecr.dkr",
  "kms",
] as const;

export interface NetworkProps {
  readonly vpc?: ec2.IVpc;
  readonly vpcEndpoints: boolean;
  readonly allowInternetEgress: boolean;
  readonly maxAzs: number;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The VPC the gateway runs in: the caller's, or a new one whose private subnets have no route to the
 * internet unless something needs it (no VPC endpoints, or `allowInternetEgress`), in which case one NAT
 * gateway per AZ gives them egress.
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  readonly taskSubnets: ec2.SubnetSelection;
  /** Guards the interface endpoints; the gateway admits its tasks here. */
  readonly endpointSecurityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const needsNat = !props.vpcEndpoints || props.allowInternetEgress;
    if (props.vpc) {
      this.vpc = props.vpc;
      this.taskSubnets = { subnets: props.vpc.privateSubnets.concat(props.vpc.isolatedSubnets) };
    } else {
      const privateType = needsNat ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
      const flowLogGroup = new logs.LogGroup(this, "FlowLogs", {
        encryptionKey: props.encryptionKey,
        retention: props.logRetention,
      });
      this.vpc = new ec2.Vpc(this, "Vpc", {
        maxAzs: props.maxAzs,
        natGateways: needsNat ? props.maxAzs : 0,
        subnetConfiguration: [
          { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
          { name: "private", subnetType: privateType, cidrMask: 22 },
        ],
        flowLogs: {
          all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup) },
        },
        restrictDefaultSecurityGroup: true,
      });
      for (const subnet of this.vpc.publicSubnets) {
        acknowledge(
          subnet,
          ["NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"],
          "Public subnets hold only the internet-facing ALB, which needs the route to the internet gateway; tasks are in private subnets",
        );
      }
      const flowLogRole = this.vpc.node.tryFindChild("all")?.node.tryFindChild("IAMRole");
      if (flowLogRole) {
        acknowledge(
          flowLogRole,
          ["NIST.800.53.R5-IAMNoInlinePolicy"],
          "CDK's flow-log role: its one inline policy writes to the flow-log group only; a managed policy would grant the same",
        );
      }
      this.taskSubnets = { subnetType: privateType };
    }

    if (props.vpcEndpoints) {
      const endpointSubnets = this.taskSubnets;
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, "EndpointSecurityGroup", {
        vpc: this.vpc,
        description: "Aegis VPC endpoints: HTTPS from the gateway tasks only",
        allowAllOutbound: false,
      });
      for (const name of interfaceEndpointServices) {
        this.vpc.addInterfaceEndpoint(`${name.replace(/[^a-z]/g, "")}Endpoint`, {
          service: new ec2.InterfaceVpcEndpointAwsService(name),
          subnets: endpointSubnets,
          privateDnsEnabled: true,
          securityGroups: [this.endpointSecurityGroup],
          // Not the whole VPC: only the tasks (rule added by AegisGateway).
          open: false,
        });
      }
      // ECR keeps image layers in S3; the gateway endpoint is free and needs no security group.
      this.vpc.addGatewayEndpoint("s3Endpoint", {
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: [endpointSubnets],
      });
    }
  }
}
