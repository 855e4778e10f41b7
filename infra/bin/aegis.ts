/**
 * The sample app. `npm run synth` runs it directly (no CDK CLI): it writes the CloudFormation template to
 * cdk.out/ offline. `npx cdk deploy -c certificateArn=...` deploys it. Context values (-c name=value):
 * account, region, availabilityZones (comma-separated), certificateArn, imageUri, domainName, sharedState,
 * plainTemplate (true: a template deployable without the CDK, see infra/README.md).
 */
import { App } from "aws-cdk-lib";
import { AegisSampleStack } from "../lib/sample-stack.js";

// Run directly (npm run synth -- -c name=value), the app reads -c itself; the CDK CLI passes context in
// the environment instead.
const argvContext: Record<string, string> = {};
const args = process.argv.slice(2);
for (let index = 0; index < args.length; index++) {
  if ((args[index] === "-c" || args[index] === "--context") && args[index + 1] !== undefined) {
    const [name = "", ...value] = (args[++index] ?? "").split("=");
    argvContext[name] = value.join("=");
  }
}
const app = new App({ outdir: process.env.CDK_OUTDIR ?? "cdk.out", context: argvContext });
const context = (name: string): string | undefined => {
  const value = app.node.tryGetContext(name);
  return value === undefined || value === "" ? undefined : String(value);
};
const region = context("region") ?? process.env.CDK_DEFAULT_REGION ?? "us-east-1";
const account = context("account") ?? process.env.CDK_DEFAULT_ACCOUNT ?? "111111111111";

new AegisSampleStack(app, context("stackName") ?? "Aegis", {
  env: { account, region },
  availabilityZones: (context("availabilityZones") ?? `${region}a,${region}b`)
    .split(",")
    .map((zone) => zone.trim()),
  certificateArn: context("certificateArn"),
  imageUri: context("imageUri"),
  plainTemplate: context("plainTemplate") === "true",
  gateway: {
    domainName: context("domainName"),
    sharedState: context("sharedState") === "true",
  },
});
app.synth();
