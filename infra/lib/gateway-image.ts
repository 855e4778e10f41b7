import { fileURLToPath } from "node:url";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";

/** The repository root (this file is infra/lib/gateway-image.ts). */
export const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The gateway image built from the repository's Containerfile during `cdk deploy` (CDK publishes it to
 * the bootstrap ECR repository), for teams that build in their pipeline. Synth only stages the sources.
 */
export function gatewayImageFromRepo(
  options: { directory?: string; platform?: Platform } = {},
): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(options.directory ?? repositoryRoot, {
    file: "Containerfile",
    platform: options.platform ?? Platform.LINUX_ARM64,
    // What the image build never needs; keeps the staged build context small.
    exclude: ["**/node_modules", "infra", "**/cdk.out", ".git", "dist", ".bench"],
  });
}
