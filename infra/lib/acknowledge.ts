import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Records why a compliance rule (cdk-nag, CloudFormation validation) does not apply to a construct. Every
 * acknowledgement needs a reason; they are listed in infra/README.md.
 */
export function acknowledge(construct: IConstruct, rules: string[], reason: string): void {
  for (const id of rules) Validations.of(construct).acknowledge({ id, reason });
}

/** cdk-nag's name for one resource of an IAM5 finding, e.g. `AwsSolutions-IAM5[Resource::*]`. */
export const wildcardResource = (resource: string) => `AwsSolutions-IAM5[Resource::${resource}]`;
