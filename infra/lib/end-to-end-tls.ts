import { fileURLToPath } from "node:url";
import { CustomResource, CustomResourceProvider, CustomResourceProviderRuntime, Stack } from "aws-cdk-lib";
import * as ecs from "aws-cdk-lib/aws-ecs";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.js";
import { tlsCertificateFile, tlsDirectory, tlsKeyFile, tlsWriterProgram } from "./tls-writer.js";

export interface EndToEndTlsWiringProps {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly gateway: ecs.ContainerDefinition;
  readonly image: ecs.ContainerImage;
  readonly linuxParameters: ecs.LinuxParameters;
  /** JSON secret with `certificate` and `privateKey`; unset: a self-signed one is generated. */
  readonly certificateSecret?: secretsmanager.ISecret;
  readonly encryptionKey: kms.IKey;
  readonly logGroup: logs.ILogGroup;
}

/** Name the generated certificate carries; the ALB does not check it. */
export const selfSignedCommonName = "aegis-gateway.internal";
/** Validity of the generated certificate; a redeploy with a changed `ValidityDays` renews it. */
export const selfSignedValidityDays = 825;

/**
 * TLS from the ALB to the container. ECS cannot mount a secret as a file and the gateway's root
 * filesystem is read-only, while the gateway reads its certificate from files (GRANIAN_SSL_*). So a
 * short-lived init container, from the gateway's own image (no shell there; `node` is), receives the PEM
 * from Secrets Manager as ECS secrets and writes it to a task-private volume that the gateway mounts
 * read-only. The volume lives on the task's ephemeral storage and disappears with the task.
 */
export class EndToEndTls extends Construct {
  readonly certificateSecret: secretsmanager.ISecret;
  /** The custom resource that wrote the self-signed certificate, when one was generated. */
  readonly generator?: CustomResource;

  constructor(scope: Construct, id: string, props: EndToEndTlsWiringProps) {
    super(scope, id);
    if (props.certificateSecret) {
      this.certificateSecret = props.certificateSecret;
    } else {
      const secret = new secretsmanager.Secret(this, "Certificate", {
        description: "Aegis gateway: self-signed certificate and key for ALB-to-container TLS",
        encryptionKey: props.encryptionKey,
      });
      const provider = CustomResourceProvider.getOrCreateProvider(
        this,
        "AegisSelfSignedCertificateProvider",
        {
          codeDirectory: fileURLToPath(new URL("../lambda/self-signed-certificate", import.meta.url)),
          runtime: CustomResourceProviderRuntime.NODEJS_22_X,
          description: "Writes a self-signed certificate for Aegis end-to-end TLS into Secrets Manager",
          policyStatements: [
            { Effect: "Allow", Action: ["secretsmanager:PutSecretValue"], Resource: secret.secretArn },
            {
              Effect: "Allow",
              Action: ["kms:GenerateDataKey", "kms:Encrypt"],
              Resource: props.encryptionKey.keyArn,
              Condition: {
                StringEquals: { "kms:ViaService": `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
              },
            },
          ],
        },
      );
      this.generator = new CustomResource(this, "SelfSigned", {
        serviceToken: provider.serviceToken,
        resourceType: "Custom::AegisSelfSignedCertificate",
        properties: {
          SecretArn: secret.secretArn,
          CommonName: selfSignedCommonName,
          ValidityDays: selfSignedValidityDays,
        },
      });
      acknowledge(
        secret,
        ["AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled"],
        "A self-signed certificate that the ALB does not validate; it only encrypts the ALB-to-task hop and is replaced when the custom resource's properties change",
      );
      this.certificateSecret = secret;
    }

    props.taskDefinition.addVolume({ name: "tls" });
    const writer = props.taskDefinition.addContainer("tls-writer", {
      image: props.image,
      essential: false,
      entryPoint: ["node"],
      command: ["-e", tlsWriterProgram, tlsDirectory],
      readonlyRootFilesystem: true,
      // Root owns the new volume directory; as its owner it can write there with every capability dropped.
      // The files go to the gateway's group (65532), the key readable by that group only.
      user: "0:65532",
      privileged: false,
      linuxParameters: props.linuxParameters,
      secrets: {
        TLS_CERTIFICATE_PEM: ecs.Secret.fromSecretsManager(this.certificateSecret, "certificate"),
        TLS_PRIVATE_KEY_PEM: ecs.Secret.fromSecretsManager(this.certificateSecret, "privateKey"),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: "tls-writer" }),
    });
    writer.addMountPoints({ sourceVolume: "tls", containerPath: tlsDirectory, readOnly: false });
    props.gateway.addMountPoints({ sourceVolume: "tls", containerPath: tlsDirectory, readOnly: true });
    props.gateway.addContainerDependencies({
      container: writer,
      condition: ecs.ContainerDependencyCondition.SUCCESS,
    });
    props.gateway.addEnvironment("GRANIAN_SSL_CERTIFICATE", tlsCertificateFile);
    props.gateway.addEnvironment("GRANIAN_SSL_KEYFILE", tlsKeyFile);
    // The ALB's connections to targets are not guaranteed to offer TLS 1.3; the gateway defaults to 1.3 only.
    props.gateway.addEnvironment("GRANIAN_SSL_PROTOCOL_MIN", "tls1.2");
  }
}
