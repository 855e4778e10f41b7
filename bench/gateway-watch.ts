import { rssMiB } from "./processes.js";

export interface GatewayWatch {
  /** Stops watching: every /health time in ms, percentiles of them, and the peak RSS in MiB. */
  stop(): Promise<{ healthMs: number[]; p50: number; p99: number; peakRssMiB: number }>;
}

export const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;

/** While a load runs: times `/health` every 20 ms and samples the gateway's RSS every 50 ms. */
export function watchGateway(port: number, pid: number): GatewayWatch {
  const healthMs: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const at = performance.now();
      await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.arrayBuffer());
      healthMs.push(performance.now() - at);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let peakRssMiB = 0;
  const sampler = setInterval(() => {
    peakRssMiB = Math.max(peakRssMiB, rssMiB(pid));
  }, 50);
  return {
    async stop() {
      running = false;
      clearInterval(sampler);
      await prober;
      return { healthMs, p50: percentile(healthMs, 50), p99: percentile(healthMs, 99), peakRssMiB };
    },
  };
}
