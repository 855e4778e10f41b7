import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { settings } from "../../src/config/index.js";
import { ROUTE_NAMES } from "../../src/limits/route-names.js";
import { emfTelemetry } from "../../src/observability/emf.js";
import { Exchange, type RouteName } from "../../src/observability/exchange.js";
import { ModelLabels } from "../../src/observability/model-labels.js";
import type { AegisGatewayProps } from "../lib/aegis-gateway.js";
import {
  emfDefaultNamespace,
  emfDimensionSets,
  emfMetric,
  gatewayRoutes,
  streamingRoutes,
} from "../lib/gateway-metrics.js";
import {
  account,
  bareGateway,
  containers,
  environmentOf,
  region,
  resourcesOf,
  type Synthesised,
  synthesise,
} from "./synth.js";

const topicArn = `arn:aws:sns:${region}:${account}:aegis-pager`;

/** The sample's defaults: EMF on, dashboard and alarms with default thresholds, no actions. */
let defaults: Synthesised;
/** Own namespace, thresholds and an SNS topic. */
let tuned: Synthesised;
/** dashboard: false, alarms: false (EMF still on). */
let optedOut: Synthesised;
/** cloudWatchEmf: false: only the ALB's and ECS's metrics remain. */
let emfOff: Synthesised;

beforeAll(() => {
  defaults = synthesise();
  tuned = synthesise((scope: Construct) => ({
    metricsNamespace: "Aegis/prod",
    alarms: {
      topic: sns.Topic.fromTopicArn(scope, "Pager", topicArn),
      errorRatePercent: 2,
      errorRateMinRequests: 50,
      throttlesPerPeriod: 5,
      timeToFirstTokenP99Ms: 3000,
      evaluationPeriods: 3,
    },
  }));
  optedOut = synthesise({ dashboard: false, alarms: false });
  emfOff = synthesise({ cloudWatchEmf: false });
});

type Alarm = {
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  TreatMissingData: string;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
  Metrics: {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    MetricStat?: {
      Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] };
      Stat: string;
      Period: number;
    };
  }[];
};

function alarms(synthesised: Synthesised): Map<string, Alarm> {
  return new Map(
    resourcesOf(synthesised, "AWS::CloudWatch::Alarm").map(([id, alarm]) => [id, alarm.Properties as Alarm]),
  );
}
function alarm(synthesised: Synthesised, name: string): Alarm {
  const found = [...alarms(synthesised)].filter(([id]) => id.includes(name));
  expect(found, name).toHaveLength(1);
  return (found[0] as [string, Alarm])[1];
}
const stats = (a: Alarm) => a.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat] : []));

type DashboardMetric = (string | Record<string, unknown>)[];
type Widget = {
  type: string;
  properties: { title?: string; metrics?: DashboardMetric[]; alarms?: unknown[] };
};

/** The dashboard's widgets, with CloudFormation intrinsics in the body replaced by "<token>". */
function dashboardWidgets(synthesised: Synthesised): Widget[] {
  const dashboards = resourcesOf(synthesised, "AWS::CloudWatch::Dashboard");
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]?.[1].Properties?.DashboardBody as { "Fn::Join": [string, unknown[]] };
  const text = body["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "<token>")).join("");
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}
/** Every plain metric of the dashboard as namespace, name and dimensions (name=value). */
function dashboardMetrics(widgets: Widget[]) {
  return widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).flatMap((row) => {
      const parts = row.filter((part): part is string => typeof part === "string");
      if (parts.length < 2) return [];
      const [namespace, name, ...dimensions] = parts;
      const pairs: string[] = [];
      for (let i = 0; i + 1 < dimensions.length; i += 2) pairs.push(`${dimensions[i]}=${dimensions[i + 1]}`);
      const options = row.find((part) => typeof part === "object") as { stat?: string } | undefined;
      return [{ title: widget.properties.title, namespace, name, dimensions: pairs, stat: options?.stat }];
    }),
  );
}

describe("the gateway's EMF metrics, as the construct reads them", () => {
  it("match what the gateway's EMF writer emits: namespace, metric names, dimension sets", () => {
    const lines: string[] = [];
    const sink = emfTelemetry(emfDefaultNamespace, new ModelLabels(["anthropic.claude-test"]), (line) => {
      lines.push(line);
    });
    // A streamed answer carries every metric the writer knows: requests, latency, 5xx, 429, TTFT, tokens.
    const exchange = new Exchange();
    exchange.route = "chat";
    exchange.modelSent = "anthropic.claude-test";
    exchange.bedrockCalls = 1;
    exchange.ttftMs = 120;
    exchange.tokens = { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 };
    sink.requestFinished({ exchange, status: 200, aborted: false, seconds: 0.5 });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "{}") as {
      _aws: {
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
      [dimension: string]: unknown;
    };
    const [directive] = line._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe(emfDefaultNamespace);
    expect(directive?.Dimensions).toEqual(emfDimensionSets);
    expect(directive?.Metrics.map((m) => m.Name).sort()).toEqual(Object.values(emfMetric).sort());
    expect(line.Route).toBe("chat");
    // The gateway's own default namespace is the construct's.
    expect(settings.CLOUDWATCH_EMF_NAMESPACE.schema.parse(undefined)).toBe(emfDefaultNamespace);
  });

  it("cover every route the gateway reports, and health checks are not among them", () => {
    expect([...gatewayRoutes].sort()).toEqual([...ROUTE_NAMES, "other"].sort());
    const routes: RouteName[] = [...gatewayRoutes, "health"];
    const emitted: unknown[] = [];
    const sink = emfTelemetry("Aegis", new ModelLabels([]), (line) => emitted.push(JSON.parse(line).Route));
    for (const route of routes) {
      const exchange = new Exchange();
      exchange.route = route;
      sink.requestFinished({ exchange, status: 200, aborted: false, seconds: 0.01 });
    }
    expect(emitted).toEqual([...gatewayRoutes]);
  });
});

describe("CloudWatch EMF in the task", () => {
  it("is on by default, in the gateway's default namespace, with values its configuration accepts", () => {
    const environment = environmentOf(containers(defaults).get("gateway"));
    expect(environment).toMatchObject({ CLOUDWATCH_EMF: "true", CLOUDWATCH_EMF_NAMESPACE: "Aegis" });
    expect(settings.CLOUDWATCH_EMF.schema.parse(environment.CLOUDWATCH_EMF)).toBe(true);
  });

  it("uses metricsNamespace, and is off with cloudWatchEmf: false", () => {
    expect(environmentOf(containers(tuned).get("gateway"))).toMatchObject({
      CLOUDWATCH_EMF: "true",
      CLOUDWATCH_EMF_NAMESPACE: "Aegis/prod",
    });
    const off = environmentOf(containers(emfOff).get("gateway"));
    expect(off).not.toHaveProperty("CLOUDWATCH_EMF");
    expect(off).not.toHaveProperty("CLOUDWATCH_EMF_NAMESPACE");
  });
});

describe("the dashboard", () => {
  it("shows requests, 5xx rate, 429s, p50/p99 TTFT, tokens, ALB 5xx and running tasks", () => {
    const widgets = dashboardWidgets(defaults);
    expect(widgets.map((w) => w.properties.title)).toEqual([
      "Requests per minute",
      "5xx rate (%)",
      "429 answers per minute (Bedrock throttling, key limits)",
      "Time to first token (ms)",
      "Tokens per minute",
      "Tokens per minute by route and model",
      "Request latency p99 by route and model (ms)",
      "ALB 5xx per minute",
      "Running tasks",
      "Alarms",
    ]);
    const metrics = dashboardMetrics(widgets);
    const ttft = metrics.filter((m) => m.title === "Time to first token (ms)");
    expect(ttft.map((m) => `${m.name} ${m.dimensions.join()} ${m.stat}`)).toEqual(
      streamingRoutes.flatMap((route) => [
        `TimeToFirstToken Route=${route} p50`,
        `TimeToFirstToken Route=${route} p99`,
      ]),
    );
    const names = new Set(metrics.map((m) => `${m.namespace} ${m.name}`));
    for (const expected of [
      "Aegis Requests",
      "Aegis Errors5xx",
      "Aegis Throttles",
      "Aegis InputTokens",
      "Aegis OutputTokens",
      "AWS/ApplicationELB RequestCount",
      "AWS/ApplicationELB HTTPCode_Target_5XX_Count",
      "AWS/ApplicationELB HTTPCode_ELB_5XX_Count",
      "ECS/ContainerInsights RunningTaskCount",
    ]) {
      expect(names).toContain(expected);
    }
    // Searches by route and model name the same metrics.
    const text = JSON.stringify(widgets);
    expect(text).toContain(`SEARCH('{\\"Aegis\\",Route,Model} MetricName=\\"InputTokens\\"', 'Sum', 60)`);
    expect(text).toContain(`SEARCH('{\\"Aegis\\",Route,Model} MetricName=\\"Latency\\"', 'p99', 60)`);
    expect(widgets.at(-1)?.properties.alarms).toHaveLength(5);
  });

  it("reads only metric names, dimensions and routes the gateway emits", () => {
    for (const [variant, namespace] of [
      [defaults, "Aegis"],
      [tuned, "Aegis/prod"],
    ] as const) {
      const emf = dashboardMetrics(dashboardWidgets(variant)).filter((m) => m.namespace === namespace);
      expect(emf.length).toBeGreaterThan(20);
      for (const metric of emf) {
        expect(Object.values(emfMetric)).toContain(metric.name);
        expect(metric.dimensions).toHaveLength(1);
        expect(gatewayRoutes.map((route) => `Route=${route}`)).toContain(metric.dimensions[0]);
      }
      // Nothing is read from another namespace than the one the task writes to.
      const others = dashboardMetrics(dashboardWidgets(variant)).filter(
        (m) => !["AWS/ApplicationELB", "ECS/ContainerInsights", namespace].includes(m.namespace ?? ""),
      );
      expect(others).toEqual([]);
    }
  });

  it("keeps the ALB and ECS graphs when the gateway's metrics are off, and is gone with dashboard: false", () => {
    const widgets = dashboardWidgets(emfOff);
    expect(dashboardMetrics(widgets).filter((m) => m.namespace === "Aegis")).toEqual([]);
    expect(widgets.map((w) => w.properties.title)).toContain("Running tasks");
    expect(JSON.stringify(widgets)).not.toContain("SEARCH");
    optedOut.template.resourceCountIs("AWS::CloudWatch::Dashboard", 0);
  });
});

describe("the alarms", () => {
  it("5xx rate: metric math over the ALB's counts, with a minimum of requests per period", () => {
    const errorRate = alarm(defaults, "ErrorRate");
    expect(errorRate).toMatchObject({
      Threshold: 5,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 2,
      TreatMissingData: "notBreaching",
    });
    const returned = errorRate.Metrics.filter((m) => m.ReturnData !== false);
    expect(returned.map((m) => m.Expression)).toEqual([
      "IF(FILL(requests, 0) + FILL(elb5xx, 0) >= 20, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0)), 0)",
    ]);
    expect(
      stats(errorRate).map((s) => [
        s.Metric.Namespace,
        s.Metric.MetricName,
        s.Metric.Dimensions?.[0]?.Name,
        s.Stat,
      ]),
    ).toEqual([
      ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "Sum"],
      ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", "Sum"],
      ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", "Sum"],
    ]);
    expect(errorRate.Metrics.find((m) => m.Id === "requests")?.MetricStat?.Period).toBe(300);
  });

  it("throttling: the gateway's Throttles summed over every route", () => {
    const throttles = alarm(defaults, "Throttles");
    expect(throttles).toMatchObject({ Threshold: 20, ComparisonOperator: "GreaterThanThreshold" });
    expect(stats(throttles).map((s) => [s.Metric.Namespace, s.Metric.MetricName, s.Stat])).toEqual(
      gatewayRoutes.map(() => ["Aegis", "Throttles", "Sum"]),
    );
    expect(stats(throttles).map((s) => s.Metric.Dimensions)).toEqual(
      gatewayRoutes.map((route) => [{ Name: "Route", Value: route }]),
    );
    const expression = throttles.Metrics.find((m) => m.ReturnData !== false)?.Expression;
    for (const route of gatewayRoutes) expect(expression).toContain(`FILL(throttles_${route}, 0)`);
  });

  it("p99 time to first token: one alarm per streaming route", () => {
    for (const route of streamingRoutes) {
      const ttft = alarm(defaults, `TimeToFirstToken${route}`);
      expect(ttft).toMatchObject({ Threshold: 10_000, ComparisonOperator: "GreaterThanThreshold" });
      expect(stats(ttft)).toEqual([
        {
          Metric: {
            Namespace: "Aegis",
            MetricName: "TimeToFirstToken",
            Dimensions: [{ Name: "Route", Value: route }],
          },
          Stat: "p99",
          Period: 300,
        },
      ]);
    }
    expect(alarms(defaults).size).toBe(2 + streamingRoutes.length);
  });

  it("take the thresholds, namespace and topic given, notifying on alarm and on recovery", () => {
    expect(alarm(tuned, "ErrorRate")).toMatchObject({ Threshold: 2, EvaluationPeriods: 3 });
    expect(alarm(tuned, "ErrorRate").Metrics[0]?.Expression).toContain(">= 50,");
    expect(alarm(tuned, "Throttles").Threshold).toBe(5);
    const ttft = alarm(tuned, "TimeToFirstTokenchat");
    expect(ttft.Threshold).toBe(3000);
    expect(stats(ttft)[0]?.Metric.Namespace).toBe("Aegis/prod");
    for (const [, each] of alarms(tuned)) {
      expect(each.AlarmActions).toEqual([topicArn]);
      expect(each.OKActions).toEqual([topicArn]);
    }
    for (const [, each] of alarms(defaults)) expect(each.AlarmActions).toBeUndefined();
  });

  it("keep only the ALB's 5xx alarm without the gateway's metrics, and are gone with alarms: false", () => {
    expect([...alarms(emfOff).keys()]).toEqual([expect.stringMatching(/ErrorRate/)]);
    optedOut.template.resourceCountIs("AWS::CloudWatch::Alarm", 0);
    // EMF stays on when only the dashboard and alarms are turned off.
    expect(environmentOf(containers(optedOut).get("gateway"))).toMatchObject({ CLOUDWATCH_EMF: "true" });
  });

  it("pass cdk-nag (alarms without actions are acknowledged, with a reason)", () => {
    for (const variant of [defaults, tuned, optedOut, emfOff])
      expect(variant.validationError).toBeUndefined();
  });
});

describe("refused configurations", () => {
  const build = (props: Partial<AegisGatewayProps>) => () => bareGateway(props);

  it("refuses EMF settings in environment, a namespace CloudWatch would not take, and nonsense thresholds", () => {
    expect(build({ environment: { CLOUDWATCH_EMF: "false" } })).toThrow(
      /set CLOUDWATCH_EMF with the cloudWatchEmf property/,
    );
    expect(build({ environment: { CLOUDWATCH_EMF_NAMESPACE: "X" } })).toThrow(/metricsNamespace property/);
    expect(build({ metricsNamespace: 'Aegis"prod' })).toThrow(/metricsNamespace must be/);
    expect(build({ alarms: { errorRatePercent: 0 } })).toThrow(/alarms.errorRatePercent must be a positive/);
    expect(build({ alarms: { errorRatePercent: 150 } })).toThrow(/at most 100/);
    expect(build({ alarms: { evaluationPeriods: 1.5 } })).toThrow(/evaluationPeriods must be an integer/);
  });
});
