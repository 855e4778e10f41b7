import type { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";

/**
 * The CloudWatch metrics the gateway writes as Embedded Metric Format lines (src/observability/emf.ts)
 * when CLOUDWATCH_EMF is on. The dashboard and alarms read exactly these; test/operations.test.ts runs the
 * gateway's EMF writer and fails if a name, the default namespace or a dimension set drifts from them.
 */
export const emfMetric = {
  requests: "Requests",
  latency: "Latency",
  errors5xx: "Errors5xx",
  /** 429s because Bedrock throttled (after the gateway's retries and regions). */
  throttles: "Throttles",
  /** 429s from a named key's own limits, before any Bedrock call. */
  rateLimited: "RateLimited",
  timeToFirstToken: "TimeToFirstToken",
  inputTokens: "InputTokens",
  outputTokens: "OutputTokens",
} as const;
export type EmfMetricName = (typeof emfMetric)[keyof typeof emfMetric];

/** The gateway's CLOUDWATCH_EMF_NAMESPACE default. */
export const emfDefaultNamespace = "Aegis";
/** Dimension sets of every EMF metric: per route, and per route and model. There is no aggregate. */
export const emfDimensionSets = [["Route"], ["Route", "Model"]] as const;

/** Every `Route` value the gateway reports (it leaves health checks out). */
export const gatewayRoutes = [
  "chat",
  "responses",
  "embeddings",
  "messages",
  "count_tokens",
  "models",
  "other",
] as const;
export type GatewayRoute = (typeof gatewayRoutes)[number];
/** Routes that stream generated text, the only ones that report TimeToFirstToken. */
export const streamingRoutes = ["chat", "messages", "responses"] as const satisfies readonly GatewayRoute[];

/** CloudWatch namespaces: ASCII letters, digits and . - _ / # : (no quotes, so SEARCH strings stay intact). */
const namespacePattern = /^[A-Za-z0-9._/#:-]{1,255}$/;

/** The namespace, or an error naming the property when CloudWatch (or a SEARCH string) would not take it. */
export function checkedNamespace(namespace: string): string {
  if (!namespacePattern.test(namespace)) {
    throw new Error(
      `AegisGateway: metricsNamespace must be 1 to 255 letters, digits or . - _ / # :, got "${namespace}"`,
    );
  }
  return namespace;
}

/** Builds metrics and expressions over the gateway's EMF metrics for one namespace and period. */
export class GatewayMetrics {
  constructor(
    readonly namespace: string,
    readonly period: Duration,
  ) {
    checkedNamespace(namespace);
  }

  /** One metric of one route (the `Route` dimension set). */
  ofRoute(name: EmfMetricName, route: GatewayRoute, statistic: string, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { Route: route },
      statistic,
      period: this.period,
      label: label ?? route,
    });
  }

  /**
   * The sum of a count metric over every route: the EMF metrics have no dimensionless aggregate. A route
   * without traffic in a period has no data point, so each is filled with 0 before adding.
   */
  total(name: EmfMetricName, label: string): cloudwatch.MathExpression {
    const usingMetrics = Object.fromEntries(
      gatewayRoutes.map((route) => [metricId(name, route), this.ofRoute(name, route, cloudwatch.Stats.SUM)]),
    );
    return new cloudwatch.MathExpression({
      expression: gatewayRoutes.map((route) => `FILL(${metricId(name, route)}, 0)`).join(" + "),
      usingMetrics,
      period: this.period,
      label,
    });
  }

  /** A search over one metric by route and model (dashboards only: alarms cannot use SEARCH). */
  byRouteAndModel(name: EmfMetricName, statistic: string, label?: string): cloudwatch.SearchExpression {
    return new cloudwatch.SearchExpression({
      expression: `SEARCH('{"${this.namespace}",Route,Model} MetricName="${name}"', '${statistic}', ${this.period.toSeconds()})`,
      period: this.period,
      label,
    });
  }
}

/**
 * A metric-math id for one metric of one route: ids start with a lower-case letter and hold letters, digits
 * and _, and must differ between metrics, since expressions nest (errors / requests).
 */
const metricId = (name: EmfMetricName, route: GatewayRoute) => `${name.toLowerCase()}_${route}`;
