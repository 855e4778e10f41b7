import { cpus } from "node:os";
import { startEmulator } from "../src/emulator/server.js";
import { freeLoopbackPort } from "../test/helpers/redis-server.js";
import { watchGateway } from "./gateway-watch.js";
import { pinLoadToSecondCpu, rssMiB, startGateway } from "./processes.js";

const streams = Number(process.env.SOAK_STREAMS ?? 1000);
const deltaMs = Number(process.env.SOAK_DELTA_MS ?? 250);
const gatewaySpec = process.env.SOAK_GATEWAY ?? "lean";
/** Requests (half streamed) per dialect before the soak, 50 at a time; 0 soaks a gateway fresh from start. */
const warmup = Number(process.env.SOAK_WARMUP ?? 0);
const twoCores = pinLoadToSecondCpu();

interface OpenAiChunk {
  choices?: { delta?: { content?: string } }[];
}
interface AnthropicEvent {
  type: string;
  delta?: { text?: string };
}

const prompt = `one two three four five six seven eight @@slow:${deltaMs}`;
const dialects = {
  openai: {
    path: "/v1/chat/completions",
    body: (stream: boolean) =>
      JSON.stringify({
        model: "amazon.nova-lite-v1:0",
        stream,
        messages: [{ role: "user", content: prompt }],
      }),
    answer: (json: unknown) =>
      String((json as { choices: { message: { content: string } }[] }).choices[0]?.message.content),
    /** The text of a stream and whether it ended as it should ([DONE] last). */
    streamed(sse: string) {
      const data = sse
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6));
      const text = data
        .filter((line) => line !== "[DONE]")
        .map((line) => (JSON.parse(line) as OpenAiChunk).choices?.[0]?.delta?.content ?? "")
        .join("");
      return { text, closed: data.at(-1) === "[DONE]" };
    },
  },
  anthropic: {
    path: "/anthropic/v1/messages",
    body: (stream: boolean) =>
      JSON.stringify({
        model: "claude-haiku-4-5",
        max_tokens: 200,
        stream,
        messages: [{ role: "user", content: prompt }],
      }),
    answer: (json: unknown) => String((json as { content: { text: string }[] }).content[0]?.text),
    streamed(sse: string) {
      const events = sse
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => JSON.parse(line.slice(6)) as AnthropicEvent);
      const text = events
        .filter((event) => event.type === "content_block_delta")
        .map((event) => event.delta?.text ?? "")
        .join("");
      return { text, closed: events.at(-1)?.type === "message_stop" };
    },
  },
} as const;

/** The gateway's event-loop delay since the previous scrape (prom-client resets its histogram at each). */
async function eventLoopDelayMs(metricsPort: number): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const seconds = (name: string) => {
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
    return line ? Number(line.split(" ")[1]) : Number.NaN;
  };
  return {
    p99: seconds("nodejs_eventloop_lag_p99_seconds") * 1000,
    max: seconds("nodejs_eventloop_lag_max_seconds") * 1000,
  };
}

const emulator = await startEmulator({ host: "127.0.0.1", port: 0, keepRequests: 10 });
const port = await freeLoopbackPort();
const metricsPort = await freeLoopbackPort();
const gateway = await startGateway(
  `${gatewaySpec}+METRICS_PORT=${metricsPort}+BEDROCK_MAX_CONCURRENT_CALLS=${streams}`,
  port,
  emulator.url,
  twoCores ? 0 : undefined,
);

console.log(
  `\nSoak: ${streams} concurrent streams per dialect, 8 deltas ${deltaMs} ms apart, gateway ${gatewaySpec}, ${warmup} warm-up requests per dialect, ${cpus().length} cores, node ${process.version}\n`,
);
console.log(
  "| dialect | streams | complete and in order | errors | wall s | max RSS MiB | RSS after MiB | /health p50 ms | /health p99 ms | event-loop delay p99 ms | max ms |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
let failed = false;
try {
  for (const [name, dialect] of Object.entries(dialects)) {
    const url = `http://127.0.0.1:${port}${dialect.path}`;
    const post = (stream: boolean) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: dialect.body(stream),
      });
    const expected = dialect.answer(await (await post(false)).json());
    // Warm (optimised code, settled heap), as a gateway that has served traffic meets a burst.
    const fast = (stream: boolean) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: dialect.body(stream).replace(/ @@slow:\d+/, ""),
      }).then((response) => response.text());
    for (let done = 0; done < warmup; done += 50)
      await Promise.all(Array.from({ length: Math.min(50, warmup - done) }, (_, i) => fast(i % 2 === 0)));
    // This scrape starts the soak's window of event-loop delay.
    await eventLoopDelayMs(metricsPort);

    const watch = watchGateway(port, gateway.pid);
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: streams }, async () => {
        try {
          const response = await post(true);
          const { text, closed } = dialect.streamed(await response.text());
          return response.status === 200 && closed && text === expected ? "ok" : "wrong";
        } catch {
          return "error";
        }
      }),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const watched = await watch.stop();
    const lag = await eventLoopDelayMs(metricsPort);
    const ok = outcomes.filter((outcome) => outcome === "ok").length;
    const errors = outcomes.filter((outcome) => outcome === "error").length;
    if (ok !== streams) failed = true;
    console.log(
      `| ${name} | ${streams} | ${ok} | ${errors} | ${wallSeconds.toFixed(1)} | ${watched.peakRssMiB.toFixed(0)} | ${rssMiB(gateway.pid).toFixed(0)} | ${watched.p50.toFixed(1)} | ${watched.p99.toFixed(1)} | ${lag.p99.toFixed(1)} | ${lag.max.toFixed(1)} |`,
    );
  }
} finally {
  await gateway.stop();
  await emulator.close();
}
if (failed) {
  console.error("soak: some streams were incomplete, out of order or failed");
  process.exit(1);
}
