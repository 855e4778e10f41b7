import type { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ModelLabels } from "./model-labels.js";
import type { RegionLoad, Telemetry } from "./telemetry.js";

/** Seconds: from a fast non-streamed answer to a long generation. */
const durationBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const ttftBuckets = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];

export interface PrometheusTelemetry extends Telemetry {
  registry: Registry;
}

/**
 * The gateway's metrics in a prom-client registry of its own (not the global one), with Node's process
 * metrics (event-loop delay, heap, RSS, GC). Loaded only when METRICS_PORT is set.
 */
export async function prometheusTelemetry(models: ModelLabels): Promise<PrometheusTelemetry> {
  // A CommonJS package: its exports are `default` (in the bundle, only there).
  const { default: client } = await import("prom-client");
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests: Counter<"route" | "status" | "model"> = new client.Counter({
    name: "aegis_requests_total",
    help: "Requests answered, by route, HTTP status and model.",
    labelNames: ["route", "status", "model"],
    registers,
  });
  const duration: Histogram<"route" | "status" | "model"> = new client.Histogram({
    name: "aegis_request_duration_seconds",
    help: "Time from the request's arrival to its last byte, by route, HTTP status and model.",
    labelNames: ["route", "status", "model"],
    buckets: durationBuckets,
    registers,
  });
  const ttft: Histogram<"route" | "model"> = new client.Histogram({
    name: "aegis_time_to_first_token_seconds",
    help: "Time from a streamed request's arrival to its first generated token.",
    labelNames: ["route", "model"],
    buckets: ttftBuckets,
    registers,
  });
  const tokens: Counter<"model" | "key" | "direction"> = new client.Counter({
    name: "aegis_tokens_total",
    help: "Tokens Bedrock reported, by model, API key name and direction (input, output, cache_read, cache_write).",
    labelNames: ["model", "key", "direction"],
    registers,
  });
  const bedrockDuration: Histogram<"operation" | "model"> = new client.Histogram({
    name: "aegis_bedrock_call_duration_seconds",
    help: "Duration of Bedrock calls (streams: until the last event), by operation and model.",
    labelNames: ["operation", "model"],
    buckets: durationBuckets,
    registers,
  });
  const bedrockErrors: Counter<"operation" | "exception"> = new client.Counter({
    name: "aegis_bedrock_errors_total",
    help: "Failed Bedrock calls, by operation and exception name (ThrottlingException, ...).",
    labelNames: ["operation", "exception"],
    registers,
  });
  const inFlight: Gauge = new client.Gauge({
    name: "aegis_requests_in_flight",
    help: "Requests being served now.",
    registers,
  });
  const streams: Gauge = new client.Gauge({
    name: "aegis_streams_in_flight",
    help: "Bedrock streams open now.",
    registers,
  });
  const refusals: Counter<"reason"> = new client.Counter({
    name: "aegis_ssrf_refusals_total",
    help: "User-supplied URLs the guarded fetcher refused, by reason.",
    labelNames: ["reason"],
    registers,
  });
  const authFailures: Counter<"reason"> = new client.Counter({
    name: "aegis_auth_failures_total",
    help: "Requests refused for their API key, by reason.",
    labelNames: ["reason"],
    registers,
  });
  const rateLimited: Counter<"route" | "source"> = new client.Counter({
    name: "aegis_rate_limited_total",
    help: "Requests answered 429, by route and source (gateway: a key's limits; bedrock: Bedrock throttled).",
    labelNames: ["route", "source"],
    registers,
  });

  // Read when scraped, from the admission slots themselves: nothing is counted on the request path.
  let admission: () => Record<string, RegionLoad> = () => ({});
  const admissionGauge = (name: string, help: string, field: keyof RegionLoad) =>
    new client.Gauge({
      name,
      help,
      labelNames: ["region"],
      registers,
      collect() {
        this.reset();
        for (const [region, load] of Object.entries(admission())) this.set({ region }, load[field]);
      },
    });
  admissionGauge(
    "aegis_bedrock_calls_running",
    "Bedrock calls holding one of the region's admission slots (BEDROCK_MAX_CONCURRENT_CALLS), by region.",
    "running",
  );
  admissionGauge(
    "aegis_bedrock_calls_waiting",
    "Calls waiting for an admission slot, by region (a call waits in one region's queue).",
    "waiting",
  );

  // Known exception names only, so a label cannot carry arbitrary text.
  const exceptionLabel = (name: string) => (/^[A-Za-z]{1,64}$/.test(name) ? name : "other");

  return {
    registry,
    requestStarted: () => inFlight.inc(),
    requestFinished({ exchange, status, seconds }) {
      inFlight.dec();
      const model = models.labelOf(exchange.modelSent, exchange.bedrockCalls > 0 && status < 400);
      const labels = { route: exchange.route, status: String(status), model };
      requests.inc(labels);
      duration.observe(labels, seconds);
      if (exchange.ttftMs !== undefined)
        ttft.observe({ route: exchange.route, model }, exchange.ttftMs / 1000);
      if (exchange.tokens) {
        const key = exchange.keyName ?? "none";
        const counts = exchange.tokens;
        if (counts.input) tokens.inc({ model, key, direction: "input" }, counts.input);
        if (counts.output) tokens.inc({ model, key, direction: "output" }, counts.output);
        if (counts.cacheRead) tokens.inc({ model, key, direction: "cache_read" }, counts.cacheRead);
        if (counts.cacheWrite) tokens.inc({ model, key, direction: "cache_write" }, counts.cacheWrite);
      }
      if (status === 429) {
        const source = exchange.bedrockError === undefined ? "gateway" : "bedrock";
        rateLimited.inc({ route: exchange.route, source });
      }
    },
    streamStarted: () => streams.inc(),
    streamFinished: () => streams.dec(),
    bedrockCall({ operation, model, seconds, error }) {
      bedrockDuration.observe({ operation, model: models.labelOf(model, error === undefined) }, seconds);
      if (error !== undefined) bedrockErrors.inc({ operation, exception: exceptionLabel(error) });
    },
    downloadRefused: (reason) => refusals.inc({ reason }),
    authenticationFailed: (reason) => authFailures.inc({ reason }),
    watchAdmission(loadByRegion) {
      admission = loadByRegion;
    },
  };
}
