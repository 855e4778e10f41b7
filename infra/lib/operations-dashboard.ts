import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { Construct } from "constructs";
import { emfMetric, GatewayMetrics, streamingRoutes } from "./gateway-metrics.js";

interface OperationsDashboardProps {
  /** Namespace of the gateway's EMF metrics; undefined when CLOUDWATCH_EMF is off. */
  readonly emfNamespace: string | undefined;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly service: ecs.FargateService;
  readonly alarms: cloudwatch.IAlarm[];
}

/** Graphs use one-minute points: the EMF metrics arrive with that resolution. */
const period = Duration.minutes(1);
const sum = { statistic: cloudwatch.Stats.SUM, period };
const width = 12;
const height = 6;

/**
 * One CloudWatch dashboard for the gateway: traffic, 5xx rate, 429s, time to first token, tokens and
 * latency from the gateway's own EMF metrics, and the ALB's and ECS's view beside them.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const alb = props.loadBalancer.metrics;
    const albRequests = alb.requestCount({ ...sum, label: "ALB requests" });
    const target5xx = alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
      ...sum,
      label: "Target 5xx (the gateway)",
    });
    const elb5xx = alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
      ...sum,
      label: "ALB 5xx (no healthy target, ...)",
    });
    const albErrorRate = new cloudwatch.MathExpression({
      expression:
        "IF(FILL(albRequests, 0) + FILL(albElb5xx, 0) > 0, 100 * (FILL(albTarget5xx, 0) + FILL(albElb5xx, 0)) / (FILL(albRequests, 0) + FILL(albElb5xx, 0)), 0)",
      usingMetrics: { albRequests, albTarget5xx: target5xx, albElb5xx: elb5xx },
      period,
      label: "ALB: 5xx % of requests",
    });
    const runningTasks = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: "ECS/ContainerInsights",
        metricName,
        dimensionsMap: {
          ClusterName: props.service.cluster.clusterName,
          ServiceName: props.service.serviceName,
        },
        statistic: cloudwatch.Stats.AVERAGE,
        period,
        label,
      });

    const rows: cloudwatch.IWidget[][] = [];
    if (props.emfNamespace !== undefined) {
      const gateway = new GatewayMetrics(props.emfNamespace, period);
      const requests = gateway.total(emfMetric.requests, "Gateway requests");
      const errors = gateway.total(emfMetric.errors5xx, "Gateway 5xx");
      rows.push(
        [
          graph("Requests per minute", [requests, albRequests]),
          graph(
            "5xx rate (%)",
            [
              new cloudwatch.MathExpression({
                expression: "IF(gatewayRequests > 0, 100 * gatewayErrors / gatewayRequests, 0)",
                usingMetrics: { gatewayRequests: requests, gatewayErrors: errors },
                period,
                label: "Gateway: 5xx % of requests",
              }),
              albErrorRate,
            ],
            { min: 0 },
          ),
        ],
        [
          graph("429 answers per minute (Bedrock throttling, key limits)", [
            gateway.total(emfMetric.throttles, "Bedrock throttling"),
            gateway.total(emfMetric.rateLimited, "Key limits"),
          ]),
          graph(
            "Time to first token (ms)",
            streamingRoutes.flatMap((route) => [
              gateway.ofRoute(emfMetric.timeToFirstToken, route, "p50", `${route} p50`),
              gateway.ofRoute(emfMetric.timeToFirstToken, route, "p99", `${route} p99`),
            ]),
          ),
        ],
        [
          graph("Tokens per minute", [
            gateway.total(emfMetric.inputTokens, "Input (cache reads and writes included)"),
            gateway.total(emfMetric.outputTokens, "Output"),
          ]),
          graph("Tokens per minute by route and model", [
            gateway.byRouteAndModel(emfMetric.inputTokens, "Sum"),
            gateway.byRouteAndModel(emfMetric.outputTokens, "Sum"),
          ]),
        ],
        [
          graph("Request latency p99 by route and model (ms)", [
            gateway.byRouteAndModel(emfMetric.latency, "p99"),
          ]),
          graph("ALB 5xx per minute", [target5xx, elb5xx]),
        ],
      );
    } else {
      rows.push(
        [
          new cloudwatch.TextWidget({
            markdown:
              "The gateway's own metrics are off (`cloudWatchEmf: false`): only the ALB's and ECS's are shown.",
            width: 24,
            height: 2,
          }),
        ],
        [graph("ALB requests per minute", [albRequests]), graph("5xx rate (%)", [albErrorRate], { min: 0 })],
        [graph("ALB 5xx per minute", [target5xx, elb5xx])],
      );
    }
    const lastRow: cloudwatch.IWidget[] = [
      graph("Running tasks", [
        runningTasks("RunningTaskCount", "Running"),
        runningTasks("DesiredTaskCount", "Desired"),
      ]),
    ];
    if (props.alarms.length > 0) {
      lastRow.push(
        new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: props.alarms, width, height }),
      );
    }
    rows.push(lastRow);

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(3),
      widgets: rows,
    });
  }
}

function graph(
  title: string,
  left: cloudwatch.IMetric[],
  leftYAxis?: cloudwatch.YAxisProps,
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, leftYAxis, width, height });
}
