import type { Registry } from "prom-client";
import type { Config } from "../config/index.js";
import { emfTelemetry } from "./emf.js";
import { ModelLabels } from "./model-labels.js";
import { allOf, noTelemetry, type Telemetry } from "./telemetry.js";
import { loadTracing, type Tracing } from "./tracing.js";

/** The observability the configuration asks for; with none, every hook is a no-op and nothing is loaded. */
export interface Observability {
  telemetry: Telemetry;
  tracing: Tracing | undefined;
  /** The Prometheus registry, served by the metrics listener (METRICS_PORT). */
  metrics: Registry | undefined;
}

export const noObservability: Observability = {
  telemetry: noTelemetry,
  tracing: undefined,
  metrics: undefined,
};

/**
 * prom-client and the OpenTelemetry SDK are imported only when configured. `writeStdout` is where EMF lines
 * go: the same batched stdout writer as the log lines, so the two never interleave mid-line.
 */
export async function loadObservability(
  config: Config,
  writeStdout: (line: string) => void,
): Promise<Observability> {
  const models = new ModelLabels([
    ...Object.keys(config.MODEL_ALIASES),
    ...Object.values(config.MODEL_ALIASES),
  ]);
  const sinks: Telemetry[] = [];
  let metrics: Registry | undefined;
  if (config.METRICS_PORT !== undefined) {
    const { prometheusTelemetry } = await import("./prometheus.js");
    const prometheus = await prometheusTelemetry(models);
    metrics = prometheus.registry;
    sinks.push(prometheus);
  }
  if (config.CLOUDWATCH_EMF) sinks.push(emfTelemetry(config.CLOUDWATCH_EMF_NAMESPACE, models, writeStdout));
  const tracing = await loadTracing(config, config.OTEL_SERVICE_NAME);
  return { telemetry: allOf(sinks), tracing, metrics };
}
