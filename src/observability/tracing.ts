import type { IncomingHttpHeaders } from "node:http";
import type { Exchange } from "./exchange.js";

/** A client span in flight (a Bedrock call or a download); `end` records how it went. */
export interface CallSpan {
  end(exchange: Exchange | undefined, error: string | undefined, aborted?: boolean): void;
}

/**
 * Traces as the gateway makes them: a server span per request (continuing the client's W3C traceparent),
 * a client span per Bedrock call (GenAI semantic conventions) and per media download. Only exists when
 * tracing is configured; the OpenTelemetry SDK is loaded then and never otherwise.
 */
export interface Tracing {
  startRequest(
    exchange: Exchange,
    method: string,
    route: string | undefined,
    headers: IncomingHttpHeaders,
  ): void;
  endRequest(exchange: Exchange, status: number, aborted: boolean): void;
  startBedrockCall(
    exchange: Exchange | undefined,
    operation: string,
    model: string | undefined,
    region: string,
  ): CallSpan | undefined;
  startDownload(exchange: Exchange | undefined, url: URL): CallSpan | undefined;
  /** Exports what is still buffered; bounded in time. */
  shutdown(): Promise<void>;
}

export interface TracingSettings {
  OTEL_TRACES_EXPORTER: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: string | undefined;
  OTEL_SDK_DISABLED: boolean;
}

/** Tracing is on when an OTLP endpoint or OTEL_TRACES_EXPORTER=otlp is set, as the OpenTelemetry SDKs read it. */
export function tracingEnabled(settings: TracingSettings): boolean {
  if (settings.OTEL_SDK_DISABLED || settings.OTEL_TRACES_EXPORTER === "none") return false;
  return (
    settings.OTEL_TRACES_EXPORTER === "otlp" ||
    settings.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
    settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined
  );
}

/** Loads the OpenTelemetry SDK only when tracing is configured. */
export async function loadTracing(
  settings: TracingSettings,
  serviceName: string,
): Promise<Tracing | undefined> {
  if (!tracingEnabled(settings)) return undefined;
  const { otelTracing } = await import("./otel.js");
  // Given explicitly, so the configuration that turned tracing on is also the one that says where to.
  const base = settings.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, "");
  return otelTracing(
    serviceName,
    settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base}/v1/traces`),
  );
}
