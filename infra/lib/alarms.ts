import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { acknowledge } from "./acknowledge.js";
import { emfMetric, GatewayMetrics, streamingRoutes } from "./gateway-metrics.js";

/** Thresholds and actions of the gateway's alarms (the `alarms` property). */
export interface GatewayAlarmsProps {
  /** 5xx answers (the gateway's and the ALB's own) as a percentage of requests, per period. @default 5 */
  readonly errorRatePercent?: number;
  /** A period with fewer requests never raises the 5xx alarm (one failure in three is not an outage). @default 20 */
  readonly errorRateMinRequests?: number;
  /** 429 answers (Bedrock throttling, or a key's own limits) per period, all routes together. @default 20 */
  readonly throttlesPerPeriod?: number;
  /** p99 time to the first streamed token, in milliseconds, per streaming route. @default 10000 */
  readonly timeToFirstTokenP99Ms?: number;
  /** @default 5 minutes */
  readonly period?: Duration;
  /** Consecutive periods above the threshold before an alarm fires. @default 2 */
  readonly evaluationPeriods?: number;
  /** SNS topic told when an alarm fires and when it recovers. */
  readonly topic?: sns.ITopic;
  /** More actions taken when an alarm fires (e.g. an SSM OpsItem). */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

interface AlarmsProps extends GatewayAlarmsProps {
  /** Namespace of the gateway's EMF metrics; undefined when CLOUDWATCH_EMF is off (then only the ALB's alarm exists). */
  readonly emfNamespace: string | undefined;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
}

export const alarmDefaults = {
  errorRatePercent: 5,
  errorRateMinRequests: 20,
  throttlesPerPeriod: 20,
  timeToFirstTokenP99Ms: 10_000,
  period: Duration.minutes(5),
  evaluationPeriods: 2,
} as const;

/**
 * The gateway's alarms: 5xx rate (from the ALB, so an outage in which no task runs still counts), 429
 * answers, and p99 time to first token per streaming route (from the gateway's EMF metrics). Missing data
 * (no traffic) is never an alarm.
 */
export class GatewayAlarms extends Construct {
  readonly errorRate: cloudwatch.Alarm;
  readonly throttles?: cloudwatch.Alarm;
  /** By route: chat, messages, responses. */
  readonly timeToFirstToken: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const period = props.period ?? alarmDefaults.period;
    const evaluationPeriods = positive(
      "evaluationPeriods",
      props.evaluationPeriods,
      alarmDefaults.evaluationPeriods,
    );
    if (!Number.isInteger(evaluationPeriods))
      throw new Error("AegisGateway: alarms.evaluationPeriods must be an integer");
    const errorRatePercent = positive(
      "errorRatePercent",
      props.errorRatePercent,
      alarmDefaults.errorRatePercent,
    );
    if (errorRatePercent > 100) throw new Error("AegisGateway: alarms.errorRatePercent must be at most 100");
    const minRequests = positive(
      "errorRateMinRequests",
      props.errorRateMinRequests,
      alarmDefaults.errorRateMinRequests,
    );
    const common = {
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };

    // ALB metrics exist only for periods with a non-zero count, hence FILL. RequestCount leaves out requests
    // the ALB refused before choosing a target (503 when none is healthy), so its own 5xx are added to both
    // sides; one that came after choosing a target (502) is then counted twice below, understating a little.
    const alb = props.loadBalancer.metrics;
    const sum = { statistic: cloudwatch.Stats.SUM, period };
    this.errorRate = new cloudwatch.Alarm(this, "ErrorRate", {
      ...common,
      alarmDescription: `Aegis: more than ${errorRatePercent} % of requests answered with 5xx (by the gateway or the ALB) in ${evaluationPeriods} consecutive periods of ${period.toHumanString()} (periods with fewer than ${minRequests} requests excepted)`,
      threshold: errorRatePercent,
      metric: new cloudwatch.MathExpression({
        expression: `IF(FILL(requests, 0) + FILL(elb5xx, 0) >= ${minRequests}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0)), 0)`,
        usingMetrics: {
          requests: alb.requestCount(sum),
          target5xx: alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, sum),
          elb5xx: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, sum),
        },
        period,
        label: "5xx rate (%)",
      }),
    });
    const alarms = [this.errorRate];

    if (props.emfNamespace !== undefined) {
      const gateway = new GatewayMetrics(props.emfNamespace, period);
      const throttles = positive(
        "throttlesPerPeriod",
        props.throttlesPerPeriod,
        alarmDefaults.throttlesPerPeriod,
      );
      this.throttles = new cloudwatch.Alarm(this, "Throttles", {
        ...common,
        alarmDescription: `Aegis: more than ${throttles} answers with 429 (Bedrock throttling or a key's limits) per ${period.toHumanString()} in ${evaluationPeriods} consecutive periods`,
        threshold: throttles,
        metric: gateway.total(emfMetric.throttles, "429 answers"),
      });
      alarms.push(this.throttles);

      const ttft = positive(
        "timeToFirstTokenP99Ms",
        props.timeToFirstTokenP99Ms,
        alarmDefaults.timeToFirstTokenP99Ms,
      );
      for (const route of streamingRoutes) {
        const alarm = new cloudwatch.Alarm(this, `TimeToFirstToken-${route}`, {
          ...common,
          alarmDescription: `Aegis: p99 time to first token of ${route} streams above ${ttft} ms in ${evaluationPeriods} consecutive periods of ${period.toHumanString()}`,
          threshold: ttft,
          metric: gateway.ofRoute(emfMetric.timeToFirstToken, route, "p99"),
        });
        this.timeToFirstToken[route] = alarm;
        alarms.push(alarm);
      }
    }

    const topicAction = props.topic ? new cloudwatchActions.SnsAction(props.topic) : undefined;
    for (const alarm of alarms) {
      if (topicAction) {
        alarm.addAlarmAction(topicAction);
        alarm.addOkAction(topicAction);
      }
      for (const action of props.alarmActions ?? []) alarm.addAlarmAction(action);
      if (!topicAction && !props.alarmActions?.length) {
        acknowledge(
          alarm,
          ["NIST.800.53.R5-CloudWatchAlarmAction"],
          "No alarms.topic or alarms.alarmActions given: the alarm shows on the dashboard and in the console; pass a topic to be notified",
        );
      }
    }
  }

  /** Every alarm, for the dashboard's status widget. */
  get all(): cloudwatch.Alarm[] {
    return [
      this.errorRate,
      ...(this.throttles ? [this.throttles] : []),
      ...Object.values(this.timeToFirstToken),
    ];
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0) {
    throw new Error(`AegisGateway: alarms.${name} must be a positive number, got ${chosen}`);
  }
  return chosen;
}
