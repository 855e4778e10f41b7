import type { Exchange } from "./exchange.js";

/** Bedrock calls holding an admission slot, and calls waiting for one, of one region. */
export interface RegionLoad {
  running: number;
  waiting: number;
}

/** One finished Bedrock call, as the metrics count it. */
export interface BedrockCall {
  operation: "Converse" | "ConverseStream" | "InvokeModel" | "CountTokens";
  /** The model id sent; only the sinks decide whether it becomes a label. */
  model: string | undefined;
  seconds: number;
  /** The exception name when the call failed, e.g. ThrottlingException. */
  error: string | undefined;
}

/** A request that has ended (answered, failed, or its client gone). */
export interface FinishedRequest {
  exchange: Exchange;
  status: number;
  /** The client left before the answer was complete. */
  aborted: boolean;
  seconds: number;
}

/**
 * Where the gateway reports what it did: Prometheus, CloudWatch EMF, both or neither. Every method is
 * called on the request path, so each sink only counts; none may throw or wait.
 */
export interface Telemetry {
  requestStarted(exchange: Exchange): void;
  requestFinished(request: FinishedRequest): void;
  streamStarted(): void;
  streamFinished(): void;
  bedrockCall(call: BedrockCall): void;
  /** A user-supplied URL the guarded fetcher refused; `reason` is one of a few fixed words. */
  downloadRefused(reason: string): void;
  authenticationFailed(reason: string): void;
  /** Where to read the admission load per region when the metrics are read (not on the request path). */
  watchAdmission(loadByRegion: () => Record<string, RegionLoad>): void;
}

export const noTelemetry: Telemetry = {
  requestStarted() {},
  requestFinished() {},
  streamStarted() {},
  streamFinished() {},
  bedrockCall() {},
  downloadRefused() {},
  authenticationFailed() {},
  watchAdmission() {},
};

/** Every sink hears every event. */
export function allOf(sinks: Telemetry[]): Telemetry {
  if (sinks.length === 0) return noTelemetry;
  if (sinks.length === 1) return sinks[0] as Telemetry;
  return {
    requestStarted: (exchange) => {
      for (const sink of sinks) sink.requestStarted(exchange);
    },
    requestFinished: (request) => {
      for (const sink of sinks) sink.requestFinished(request);
    },
    streamStarted: () => {
      for (const sink of sinks) sink.streamStarted();
    },
    streamFinished: () => {
      for (const sink of sinks) sink.streamFinished();
    },
    bedrockCall: (call) => {
      for (const sink of sinks) sink.bedrockCall(call);
    },
    downloadRefused: (reason) => {
      for (const sink of sinks) sink.downloadRefused(reason);
    },
    authenticationFailed: (reason) => {
      for (const sink of sinks) sink.authenticationFailed(reason);
    },
    watchAdmission: (loadByRegion) => {
      for (const sink of sinks) sink.watchAdmission(loadByRegion);
    },
  };
}
