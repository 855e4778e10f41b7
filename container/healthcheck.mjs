// The image's health check: GET /health on the gateway's own port, exit 0 on 200, else 1. A Node script
// because the image has no shell and no curl. Over HTTPS when the gateway serves TLS; the certificate is not
// verified, because the name it carries is the service's, not 127.0.0.1 (the check proves liveness, not trust).
// Under mutual TLS the gateway asks for a client certificate this check does not have: use the load
// balancer's health check there instead.
import { request as http } from "node:http";
import { request as https } from "node:https";

const tls = Boolean(process.env.GRANIAN_SSL_CERTIFICATE);
const port = Number(process.env.PORT || process.env.GRANIAN_PORT || 8000);
const send = tls ? https : http;
const probe = send(
  { host: "127.0.0.1", port, path: "/health", timeout: 3000, rejectUnauthorized: false },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
probe.on("timeout", () => probe.destroy(new Error("timeout")));
probe.on("error", () => process.exit(1));
probe.end();
