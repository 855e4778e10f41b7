/**
 * `npx tsx bench/idle-wakeup.ts`: what it costs this machine to wake a process on an idle core, the part of
 * "added latency at concurrency 1" that no gateway can remove. An echo server pinned to CPU 0 answers one byte
 * over loopback TCP to a client pinned to CPU 1; the client waits GAP µs (spinning, so its own core stays
 * awake) before each send. With no gap the echo's core never gets to sleep; after a long gap it has, and the
 * round trip includes waking it. A request through a gateway crosses cores four times (client → gateway →
 * Bedrock → gateway → client), each after the receiving core sat idle for a while.
 */
import { execFileSync, spawn } from "node:child_process";
import { connect, createServer } from "node:net";

const port = 4710;
const rounds = 5000;
const gaps = [0, 100, 300, 1000];

if (process.argv[2] === "echo") {
  createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("data", (data) => socket.write(data));
  }).listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
} else {
  execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
  const echo = spawn(
    "taskset",
    ["-c", "0", process.execPath, "--import", "tsx", import.meta.filename, "echo"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    await new Promise((ready) => echo.stdout.once("data", ready));
    console.log("| gap before each send µs | round trip p50 µs | p90 µs |\n| --- | --- | --- |");
    for (const gap of gaps) {
      const times = await roundTrips(gap);
      const at = (p: number) => (times[Math.floor(times.length * p)] ?? Number.NaN).toFixed(0);
      console.log(`| ${gap} | ${at(0.5)} | ${at(0.9)} |`);
    }
  } finally {
    echo.kill();
  }
}

/** Sorted round-trip times in µs, after 10 % of the rounds to warm up. */
function roundTrips(gapMicros: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    const times: number[] = [];
    let sentAt = 0n;
    const send = () => {
      const until = process.hrtime.bigint() + BigInt(gapMicros * 1000);
      while (process.hrtime.bigint() < until) {
        // Spin: this core stays busy, only the echo's core idles.
      }
      sentAt = process.hrtime.bigint();
      socket.write("x");
    };
    socket.on("connect", send);
    socket.on("error", reject);
    socket.on("data", () => {
      times.push(Number(process.hrtime.bigint() - sentAt) / 1000);
      if (times.length < rounds) return send();
      socket.destroy();
      resolve(times.slice(rounds / 10).sort((a, b) => a - b));
    });
  });
}
