import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, type RecordedRequest, startEmulator } from "../src/emulator/server.js";
import { type RunningGateway, startGateway } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

// EMBEDDINGS_MAX_CONCURRENCY_TOTAL: one bound over the InvokeModel calls of every embeddings request together,
// seen where it matters, at Bedrock (the emulator records when each call arrived and when it was answered).
const TITAN_V2 = "amazon.titan-embed-text-v2:0";
const PER_REQUEST = 4;
const TOTAL = 3;

let emulator: Emulator;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  gateway = await startGateway(emulator, {
    EMBEDDINGS_MAX_CONCURRENCY: String(PER_REQUEST),
    EMBEDDINGS_MAX_CONCURRENCY_TOTAL: String(TOTAL),
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
});
beforeEach(() => emulator.reset());

const invokes = () => emulator.requests.filter((r) => r.operation === "InvokeModel");
const textOf = (call: RecordedRequest) => (call.body as { inputText: string }).inputText;

/** The most calls the emulator had open at the same moment (an answer handed over before a new arrival). */
function mostInFlight(calls: RecordedRequest[]): number {
  const events = calls.flatMap((call) => [
    { at: call.receivedAt ?? 0, step: 1 },
    { at: call.endedAt ?? Number.POSITIVE_INFINITY, step: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.step - b.step);
  let open = 0;
  let most = 0;
  for (const event of events) {
    open += event.step;
    most = Math.max(most, open);
  }
  return most;
}

describe("the gateway-wide bound on embeddings calls", () => {
  it("never has more than EMBEDDINGS_MAX_CONCURRENCY_TOTAL calls at Bedrock across concurrent requests, each answer in order", async () => {
    const requests = 4;
    const textsOf = (r: number) => Array.from({ length: PER_REQUEST }, (_, i) => `request ${r} text ${i}`);
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, r) =>
        client.embeddings.create({
          model: TITAN_V2,
          input: textsOf(r).map((text) => `${text} @@stall:60`),
        }),
      ),
    );
    const calls = invokes();
    expect(calls).toHaveLength(requests * PER_REQUEST);
    expect(mostInFlight(calls)).toBeLessThanOrEqual(TOTAL);
    // It did run calls side by side (the stalls overlap), so the bound is what held them back.
    expect(mostInFlight(calls)).toBeGreaterThan(1);

    // Each request's vectors are its own, in the order of its texts.
    const reference = await client.embeddings.create({
      model: TITAN_V2,
      input: Array.from({ length: requests }, (_, r) => textsOf(r)).flat(),
    });
    answers.forEach((answer, r) => {
      expect(answer.data.map((item) => item.index)).toEqual([0, 1, 2, 3]);
      expect(answer.data.map((item) => item.embedding)).toEqual(
        reference.data.slice(r * PER_REQUEST, (r + 1) * PER_REQUEST).map((item) => item.embedding),
      );
    });
  });

  it("gives the slots of a client that went away to the requests that wait", async () => {
    const controller = new AbortController();
    const abandoned = client.embeddings
      .create(
        { model: TITAN_V2, input: Array.from({ length: 6 }, (_, i) => `held ${i} @@stall:30000`) },
        { signal: controller.signal },
      )
      .catch((error: unknown) => error);
    // It holds every slot of the gateway; a second request waits behind it.
    await waitFor(() => invokes().length === TOTAL);
    const waiting = client.embeddings.create({ model: TITAN_V2, input: ["next 0", "next 1", "next 2"] });
    controller.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    const answer = await waiting;
    expect(answer.data).toHaveLength(3);
    await waitFor(() => emulator.aborts() === TOTAL);
    // The abandoned request's other texts never reached Bedrock.
    expect(invokes().filter((call) => textOf(call).startsWith("held"))).toHaveLength(TOTAL);
  });
});
