import * as z from "zod";
import { envBoolean, envInteger, envOptionalString, envString, setting } from "./define.js";

const envPort = () => envInteger(0, 1, 65_535).transform((value) => (value === 0 ? undefined : value));

const envUrl = () =>
  envOptionalString().superRefine((value, ctx) => {
    if (value === undefined) return;
    try {
      const url = new URL(value);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an http:// or https:// URL" });
    }
  });

export const observabilitySettings = {
  METRICS_PORT: setting(
    envPort(),
    "Port of the Prometheus /metrics listener, separate from the API (no TLS, no API key: keep it private). Unset: no metrics listener.",
    "(unset: off)",
  ),
  METRICS_HOST: setting(envString("127.0.0.1"), "Address of the metrics listener."),
  CLOUDWATCH_EMF: setting(
    envBoolean(false),
    "Write CloudWatch Embedded Metric Format lines to stdout (the ECS awslogs driver turns them into metrics; no agent).",
  ),
  CLOUDWATCH_EMF_NAMESPACE: setting(envString("Aegis"), "CloudWatch namespace of the EMF metrics."),
  OTEL_TRACES_EXPORTER: setting(
    z
      .enum(["otlp", "none"])
      .optional()
      .or(z.literal("").transform(() => undefined)),
    "otlp turns OpenTelemetry tracing on (also on when an OTLP endpoint is set); none turns it off.",
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: setting(
    envUrl(),
    "OTLP/HTTP collector base URL (traces go to <url>/v1/traces); setting it turns tracing on. The other standard OTEL_EXPORTER_OTLP_* variables (headers, timeout) apply too.",
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: setting(
    envUrl(),
    "OTLP/HTTP traces URL, used as is (overrides the base URL).",
  ),
  OTEL_SDK_DISABLED: setting(envBoolean(false), "true turns OpenTelemetry off whatever else is set."),
  OTEL_SERVICE_NAME: setting(envString("aegis"), "service.name of the traces."),
};
