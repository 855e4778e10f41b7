import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

/**
 * A client that stops reading must hold Bedrock back: the gateway stops taking events while its socket to the
 * client is full, so the emulator's writes stall too, and nothing is buffered beyond the sockets' own buffers.
 * The stream is far larger than every buffer on the way (kernel socket buffers, undici's, node:http's), so a
 * gateway that read ahead without bound would let the emulator write all of it.
 * (Checked to fail: with writeSse not waiting for `drain`, the emulator writes every event while the client
 * reads nothing.)
 */
let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  // The prompt the emulator streams back must outgrow every buffer on the way, so it is larger than the
  // default body limit.
  stack = await startStack({ MAX_REQUEST_BODY_SIZE: "63MiB" });
});
afterAll(() => stack.close());

const deltas = 1_500;
// The emulator streams a word per delta: 1,500 words of 40 KiB, about 59 MiB in all (its own body limit is
// 64 MiB). The buffers on the way can hold far less, but not 24 MiB less: Linux grows a loopback socket's
// receive buffer up to net.ipv4.tcp_rmem's maximum (32 MiB here, about half of it payload) and its send
// buffer up to tcp_wmem's (4 MiB), and a 24 MiB stream was once written whole while the client read nothing.
const prompt = `${"a".repeat(40_959)} `.repeat(deltas);

/** `count()` once it has not changed for half a second. */
async function settled(count: () => number): Promise<number> {
  const deadline = Date.now() + 20_000;
  let last = -1;
  while (Date.now() < deadline) {
    const now = count();
    if (now === last) return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return count();
}

const routes = [
  {
    name: "OpenAI chat",
    path: "/v1/chat/completions",
    body: { model: "amazon.nova-micro-v1:0", stream: true, messages: [{ role: "user", content: prompt }] },
    last: "data: [DONE]\n\n",
  },
  {
    name: "Anthropic messages",
    path: "/anthropic/v1/messages",
    body: {
      model: "anthropic.claude-3-haiku-20240307-v1:0",
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: prompt }],
    },
    last: 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  },
];

describe("a client that stops reading a stream", () => {
  for (const route of routes) {
    it(`holds Bedrock back (${route.name})`, async () => {
      stack.emulator.reset();
      const url = new URL(route.path, stack.gateway.url);
      const chunks: Buffer[] = [];
      let received = 0;
      const done = new Promise<void>((resolve, reject) => {
        const outgoing = request(
          url,
          { method: "POST", headers: { "content-type": "application/json" } },
          (response) => {
            expect(response.statusCode).toBe(200);
            response.on("data", (chunk: Buffer) => {
              chunks.push(chunk);
              received += chunk.length;
            });
            response.on("end", resolve);
            response.on("error", reject);
            // Reads the start of the stream, then stops reading for a while, counting what the emulator
            // wrote meanwhile (its events: messageStart, the deltas, the closing ones).
            const written = () =>
              stack.emulator.requests.find((r) => r.operation === "ConverseStream")?.writtenAt?.length ?? 0;
            response.once("data", () => {
              response.pause();
              // Held means the emulator's count settles while the client reads nothing. On a busy machine
              // the buffers on the way take a while to fill, so the first count is taken once it has not
              // moved for half a second (at most 20 s); a gateway that read ahead without bound would let
              // the emulator write everything by then.
              void settled(written).then(async (count) => {
                paused.push(count);
                await new Promise((resolve) => setTimeout(resolve, 500));
                paused.push(written());
                response.resume();
              }, reject);
            });
          },
        );
        outgoing.on("error", reject);
        outgoing.end(JSON.stringify(route.body));
      });
      const paused: number[] = [];
      await done;
      await waitFor(() => paused.length === 2);
      // Held: the emulator stalled well before the end, and stayed stalled.
      expect(paused[0]).toBeGreaterThan(0);
      expect(paused[0]).toBeLessThan(deltas * 0.75);
      expect(paused[1]).toBe(paused[0]);
      // Once read again, the whole stream arrives, intact and in order.
      const text = Buffer.concat(chunks).toString("utf8");
      expect(received).toBeGreaterThan(deltas * 40_960);
      expect(text.endsWith(route.last)).toBe(true);
      const stream = stack.emulator.requests.find((r) => r.operation === "ConverseStream");
      expect(stream?.writtenAt?.length).toBeGreaterThanOrEqual(deltas);
    }, 60_000);
  }
});
