import type { ModelLabels } from "./model-labels.js";
import { noTelemetry, type Telemetry } from "./telemetry.js";

interface MetricDefinition {
  Name: string;
  Unit: "Count" | "Milliseconds";
}

/**
 * CloudWatch Embedded Metric Format: one JSON line per finished request, on stdout beside the log lines.
 * On ECS the awslogs driver sends stdout to CloudWatch Logs, which turns these lines into metrics: no agent,
 * no API calls from the gateway. Health checks are left out (they would be most of the lines).
 */
export function emfTelemetry(
  namespace: string,
  models: ModelLabels,
  write: (line: string) => void,
): Telemetry {
  return {
    ...noTelemetry,
    requestFinished({ exchange, status, seconds }) {
      if (exchange.route === "health") return;
      const metrics: MetricDefinition[] = [
        { Name: "Requests", Unit: "Count" },
        { Name: "Latency", Unit: "Milliseconds" },
        { Name: "Errors5xx", Unit: "Count" },
        { Name: "Throttles", Unit: "Count" },
        { Name: "RateLimited", Unit: "Count" },
      ];
      const values: Record<string, number> = {
        Requests: 1,
        Latency: Math.round(seconds * 1_000_000) / 1000,
        Errors5xx: status >= 500 ? 1 : 0,
        // 429s apart by source, as the Prometheus metric's `source` label: Bedrock throttled (after the
        // gateway's retries and regions), or a named key's own limits refused before any Bedrock call.
        Throttles: status === 429 && exchange.bedrockError !== undefined ? 1 : 0,
        RateLimited: status === 429 && exchange.bedrockError === undefined ? 1 : 0,
      };
      if (exchange.ttftMs !== undefined) {
        metrics.push({ Name: "TimeToFirstToken", Unit: "Milliseconds" });
        values.TimeToFirstToken = Math.round(exchange.ttftMs * 1000) / 1000;
      }
      if (exchange.tokens) {
        metrics.push({ Name: "InputTokens", Unit: "Count" }, { Name: "OutputTokens", Unit: "Count" });
        values.InputTokens = exchange.tokens.input + exchange.tokens.cacheRead + exchange.tokens.cacheWrite;
        values.OutputTokens = exchange.tokens.output;
      }
      const line = {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            { Namespace: namespace, Dimensions: [["Route"], ["Route", "Model"]], Metrics: metrics },
          ],
        },
        Route: exchange.route,
        Model: models.labelOf(exchange.modelSent, exchange.bedrockCalls > 0 && status < 400),
        Status: status,
        ...values,
      };
      write(`${JSON.stringify(line)}\n`);
    },
  };
}
