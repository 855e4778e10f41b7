/**
 * End-to-end TLS as the CDK construct (infra/) delivers it, minus ECS itself: the deploy-time custom
 * resource writes a self-signed certificate into Secrets Manager, ECS hands the secret's two fields to the
 * init container, which writes them to the shared volume, and the real gateway serves HTTPS from those
 * files to a client that behaves like the ALB (TLS 1.2, no certificate validation).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthCheckProgram } from "../infra/lib/health-check.js";
import { tlsCertificateFile, tlsKeyFile, tlsWriterProgram } from "../infra/lib/tls-writer.js";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";

type CustomResourceEvent = {
  RequestType: "Create" | "Update" | "Delete";
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, string>;
};
const { handler } = createRequire(import.meta.url)("../infra/lambda/self-signed-certificate/index.js") as {
  handler: (event: CustomResourceEvent) => Promise<{ PhysicalResourceId?: string }>;
};

const secretArn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:aegis-tls-AbCdEf";
const volume = mkdtempSync(join(tmpdir(), `aegis-tls-delivery-${process.pid}-`));
let emulator: Emulator;
let gateway: RunningGateway | undefined;
let secretsManager: Server;
const calls: { target: string; body: { SecretId: string; SecretString: string } }[] = [];

beforeAll(async () => {
  // Stands in for Secrets Manager's PutSecretValue (the emulator serves GetSecretValue only).
  secretsManager = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      calls.push({ target: String(request.headers["x-amz-target"]), body: JSON.parse(body) });
      response.setHeader("content-type", "application/x-amz-json-1.1");
      response.end(JSON.stringify({ ARN: secretArn, Name: "aegis-tls", VersionId: "v1" }));
    });
  });
  await new Promise<void>((resolve) => secretsManager.listen(0, "127.0.0.1", resolve));
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
  await new Promise((resolve) => secretsManager?.close(resolve));
  rmSync(volume, { recursive: true, force: true });
});

/** Runs the handler with the SDK pointed at the stand-in, as the Lambda runtime would with real AWS. */
async function runHandler(event: CustomResourceEvent) {
  const names = ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
  const saved = names.map((name) => [name, process.env[name]] as const);
  const address = secretsManager.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${address.port}`,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "example-secret",
  });
  try {
    return await handler(event);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** A TLS 1.2 handshake and GET /health, like the ALB's health check: it encrypts but does not validate. */
function albHealthCheck(
  port: number,
): Promise<{ status: string; commonName: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({
      host: "127.0.0.1",
      port,
      rejectUnauthorized: false,
      maxVersion: "TLSv1.2",
    });
    let answer = "";
    socket.once("secureConnect", () =>
      socket.write("GET /health HTTP/1.1\r\nHost: 10.0.1.23\r\nConnection: close\r\n\r\n"),
    );
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.once("end", () =>
      resolve({
        status: answer.split("\r\n")[0] ?? "",
        commonName: String(socket.getPeerCertificate().subject?.CN),
        protocol: socket.getProtocol(),
      }),
    );
    socket.once("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer")));
  });
}

describe("end-to-end TLS delivered by the CDK construct", () => {
  it("generates, stores, writes and serves the certificate", async () => {
    const created = await runHandler({
      RequestType: "Create",
      ResourceProperties: { SecretArn: secretArn, CommonName: "aegis-gateway.internal", ValidityDays: "825" },
    });
    expect(created.PhysicalResourceId).toBe(`${secretArn}#self-signed`);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.target).toBe("secretsmanager.PutSecretValue");
    expect(calls[0]?.body.SecretId).toBe(secretArn);
    const stored = JSON.parse(calls[0]?.body.SecretString ?? "{}") as {
      certificate: string;
      privateKey: string;
    };
    expect(Object.keys(stored).sort()).toEqual(["certificate", "privateKey"]);

    // ECS injects the secret's JSON fields; the init container writes them to the volume.
    const written = spawnSync(process.execPath, ["-e", tlsWriterProgram, volume], {
      env: { TLS_CERTIFICATE_PEM: stored.certificate, TLS_PRIVATE_KEY_PEM: stored.privateKey },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(written.status).toBe(0);
    const certificate = join(volume, tlsCertificateFile.split("/").pop() ?? "");
    const key = join(volume, tlsKeyFile.split("/").pop() ?? "");
    expect(readFileSync(certificate, "utf8")).toBe(stored.certificate);

    // The gateway as the task definition configures it.
    gateway = await startGateway(emulator, {
      GRANIAN_SSL_CERTIFICATE: certificate,
      GRANIAN_SSL_KEYFILE: key,
      GRANIAN_SSL_PROTOCOL_MIN: "tls1.2",
    });
    const check = await albHealthCheck(Number(new URL(gateway.url).port));
    expect(check).toEqual({
      status: "HTTP/1.1 200 OK",
      commonName: "aegis-gateway.internal",
      protocol: "TLSv1.2",
    });

    // The container's own health check, as ECS runs it inside the task.
    const port = new URL(gateway.url).port;
    // Asynchronously: the gateway answers from this very process.
    const healthCheck = (env: Record<string, string>) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ["-e", healthCheckProgram], {
          env,
          stdio: "ignore",
          timeout: 10_000,
        });
        child.once("exit", (code) => resolve(code));
      });
    expect(await healthCheck({ PORT: port, GRANIAN_SSL_CERTIFICATE: certificate })).toBe(0);
    // Plain HTTP to a TLS port is not healthy, nor is a port nobody listens on.
    expect(await healthCheck({ PORT: port })).toBe(1);
    await gateway.close();
    gateway = undefined;
    expect(await healthCheck({ PORT: port, GRANIAN_SSL_CERTIFICATE: certificate })).toBe(1);
  });

  it("leaves the secret alone on delete (CloudFormation deletes it)", async () => {
    const before = calls.length;
    const deleted = await runHandler({
      RequestType: "Delete",
      PhysicalResourceId: `${secretArn}#self-signed`,
      ResourceProperties: { SecretArn: secretArn, CommonName: "aegis-gateway.internal", ValidityDays: "825" },
    });
    expect(deleted.PhysicalResourceId).toBe(`${secretArn}#self-signed`);
    expect(calls).toHaveLength(before);
  });
});
