/**
 * The load generators of the benches: a fixed number of kept-alive connections, each sending the same
 * request again as soon as its answer has been read to the end, for a number of seconds.
 *
 * `undici` (the default of bench/run.ts) dispatches through an undici Pool with a bare handler: llhttp parses
 * the answers and no stream or promise is made per chunk, so a streamed answer of 10+ chunks costs the load
 * core far less than autocannon, whose parser (http-parser-js) is JavaScript and runs per chunk. `autocannon`
 * stays for comparison (bench/harness-cost.ts). Every target of a run is loaded by the same generator, so a
 * ratio between targets compares the targets, not the generators.
 */
import autocannon from "autocannon";
import { type Dispatcher, Pool } from "undici";
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

export type Loader = (target: Target, concurrency: number, seconds: number) => Promise<LoadResult>;

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function viaAutocannon(target: Target, concurrency: number, seconds: number): Promise<LoadResult> {
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

async function viaUndici(target: Target, concurrency: number, seconds: number): Promise<LoadResult> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
  const body = Buffer.from(target.body);
  const headers = { ...target.headers, "content-length": String(body.length) };
  const path = url.pathname + url.search;
  const latencies: number[] = [];
  let errors = 0;
  let running = true;
  const started = performance.now();
  const deadline = started + seconds * 1000;

  // One request at a time on each of `concurrency` loops; each resolves when the answer has been read.
  const once = () =>
    new Promise<void>((done) => {
      const sentAt = performance.now();
      let status = 0;
      // The callback form undici's Pool dispatches to as it is (the onResponse* form is wrapped per request).
      const handler: Dispatcher.DispatchHandler = {
        onConnect() {},
        onHeaders(statusCode) {
          status = statusCode;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          latencies.push(performance.now() - sentAt);
          if (status < 200 || status >= 300) errors++;
          done();
        },
        onError() {
          errors++;
          done();
        },
      };
      pool.dispatch({ origin: url.origin, path, method: "POST", headers, body }, handler);
    });
  const loop = async () => {
    while (running && performance.now() < deadline) await once();
  };
  const timer = setTimeout(() => {
    running = false;
  }, seconds * 1000);
  await Promise.all(Array.from({ length: concurrency }, loop));
  clearTimeout(timer);
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}

export const loaders: Record<string, Loader> = { autocannon: viaAutocannon, undici: viaUndici };
