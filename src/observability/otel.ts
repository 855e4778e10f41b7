import type { IncomingHttpHeaders } from "node:http";
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Exchange } from "./exchange.js";
import type { CallSpan, Tracing } from "./tracing.js";

const headerGetter = {
  keys: (carrier: IncomingHttpHeaders) => Object.keys(carrier),
  get: (carrier: IncomingHttpHeaders, key: string) => carrier[key],
};

/** GenAI operation names (semantic conventions) of the Bedrock operations. */
const operationNames: Record<string, string> = {
  Converse: "chat",
  ConverseStream: "chat",
  InvokeModel: "embeddings",
  CountTokens: "count_tokens",
};

function scheduleDelay(value: string | undefined): number {
  const ms = Number(value);
  return value !== undefined && Number.isInteger(ms) && ms >= 0 ? ms : 5_000;
}

function parentOf(exchange: Exchange | undefined): Context {
  return exchange?.span ? trace.setSpan(ROOT_CONTEXT, exchange.span) : ROOT_CONTEXT;
}

function endSpan(span: Span, error: string | undefined): void {
  if (error !== undefined) {
    span.setAttribute("error.type", error);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * OpenTelemetry tracing with the OTLP/HTTP exporter, configured by the standard OTEL_* variables (endpoint,
 * headers, timeout). No context manager is installed: spans are parented explicitly through the request's
 * Exchange, so requests without tracing pay for no async-context bookkeeping.
 */
export function otelTracing(serviceName: string, url: string | undefined): Tracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(url === undefined ? {} : { url }),
        // The standard variable; this SDK line leaves reading it to its Node SDK, which Aegis does not load.
        scheduledDelayMillis: scheduleDelay(process.env.OTEL_BSP_SCHEDULE_DELAY),
      }),
    ],
  });
  const tracer = provider.getTracer("aegis-gateway");
  const propagator = new W3CTraceContextPropagator();

  return {
    startRequest(exchange, method, route, headers) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, headerGetter);
      const attributes: Attributes = { "http.request.method": method };
      if (route) attributes["http.route"] = route;
      exchange.span = tracer.startSpan(
        route ? `${method} ${route}` : method,
        { kind: SpanKind.SERVER, attributes },
        parent,
      );
    },

    endRequest(exchange, status, aborted) {
      const span = exchange.span;
      if (!span) return;
      span.setAttribute("http.response.status_code", status);
      span.setAttribute("aegis.route", exchange.route);
      if (aborted) span.setAttribute("aegis.client_aborted", true);
      if (exchange.errorCode) span.setAttribute("error.type", exchange.errorCode);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },

    startBedrockCall(exchange, operation, model, region) {
      const name = operationNames[operation] ?? operation;
      const attributes: Attributes = {
        "gen_ai.system": "aws.bedrock",
        "gen_ai.operation.name": name,
        "aws.region": region,
      };
      if (model) attributes["gen_ai.request.model"] = model;
      const span = tracer.startSpan(
        model ? `${name} ${model}` : name,
        { kind: SpanKind.CLIENT, attributes },
        parentOf(exchange),
      );
      return {
        end(finished, error, aborted) {
          if (finished?.tokens) {
            span.setAttribute("gen_ai.usage.input_tokens", finished.tokens.input);
            span.setAttribute("gen_ai.usage.output_tokens", finished.tokens.output);
          }
          if (finished?.finishReason)
            span.setAttribute("gen_ai.response.finish_reasons", [finished.finishReason]);
          if (aborted) span.setAttribute("aegis.client_aborted", true);
          endSpan(span, error);
        },
      };
    },

    startDownload(exchange, url): CallSpan {
      // The origin only: a user's URL can carry tokens in its path or query.
      const span = tracer.startSpan(
        "GET",
        {
          kind: SpanKind.CLIENT,
          attributes: {
            "http.request.method": "GET",
            "server.address": url.hostname,
            "url.scheme": url.protocol.replace(":", ""),
          },
        },
        parentOf(exchange),
      );
      return { end: (_exchange, error) => endSpan(span, error) };
    },

    async shutdown() {
      await Promise.race([provider.shutdown(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
}
