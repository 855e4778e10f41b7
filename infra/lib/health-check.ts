/**
 * The container's own health check (`node -e`; the image has no shell): GET /health on the task's loopback,
 * over HTTPS when the gateway serves TLS (its certificate is not checked: it may be self-signed). Healthy
 * only on 200 within 4 s.
 */
export const healthCheckProgram = [
  'const client = require(process.env.GRANIAN_SSL_CERTIFICATE ? "node:https" : "node:http");',
  'const request = client.get({ host: "127.0.0.1", port: Number(process.env.PORT || 8000), path: "/health", rejectUnauthorized: false, timeout: 4000 },',
  "  (response) => process.exit(response.statusCode === 200 ? 0 : 1));",
  'request.on("timeout", () => process.exit(1));',
  'request.on("error", () => process.exit(1));',
].join("\n");
