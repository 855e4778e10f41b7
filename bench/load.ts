/**
 * The load generator of the benches: a fixed number of kept-alive connections, each sending the same request
 * again as soon as its answer has been read to the end, for a number of seconds. Every target of a run is
 * loaded by the same generator, so a ratio between targets compares the targets. autocannon it is: an undici
 * Pool with a bare dispatch handler (llhttp instead of autocannon's JavaScript parser) cost the load core
 * about as much per streamed answer, so it did not raise the harness's ceiling.
 */ import autocannon from "autocannon";
import type { Target } from "./signed.js";

export interface LoadResult {
  /** Answers read to their end (2xx or not). */
  requests: number;
  /** Non-2xx answers plus failed requests. */
  errors: number;
  /** Answers per second over the whole run. */
  rps: number;
  /** Latency from sending a request to its answer's end, ms. */
  p50: number;
  p99: number;
}

export async function load(target: Target, concurrency: number, seconds: number): Promise<LoadResult> {
  const r = await autocannon({
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: target.body,
    connections: concurrency,
    duration: seconds,
  });
  return {
    requests: r.requests.total,
    errors: r.non2xx + r.errors,
    rps: r.requests.total / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
  };
}
