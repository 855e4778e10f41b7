/**
 * `tsx bench/stream-decode.ts`: the in-process cost of one streamed delta on the lean path, without sockets.
 * A ConverseStream answer of BENCH_DECODE_DELTAS (100) deltas is recorded once from the emulator (its exact
 * bytes), then replayed many times through what the gateway runs per event: the lean transport's event
 * decoder, the AI_RESPONSE_TIMEOUT watch with the admission and observability observers, the route's
 * translator (OpenAI chat and Anthropic messages), and the SSE batch turned into the bytes one write sends.
 * Prints CPU µs per event (the whole stream's CPU divided by its events) per route, median of
 * BENCH_DECODE_ROUNDS rounds, so two builds can be compared in one quiet minute of a shared machine.
 * BENCH_DECODE_READ (65536): the bytes of one network read the recorded answer is cut into.
 * BENCH_DECODE_TREES (this checkout): comma-separated checkouts whose src/ is measured, round by round in
 * turn in this one process (e.g. a clone of main, then this tree), so a busy spell hits each alike.
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { Pool } from "undici";
import type * as Admission from "../src/bedrock/admission.js";
import type * as BufferedEvents from "../src/bedrock/buffered-events.js";
import type * as EventStream from "../src/bedrock/lean/event-stream.js";
import type { BedrockRuntime, StreamObserver } from "../src/bedrock/transport.js";
import type * as WatchedRuntime from "../src/bedrock/watched-runtime.js";
import type * as MessagesStream from "../src/dialects/anthropic/messages-stream.js";
import type * as ChatStream from "../src/dialects/openai/chat-stream.js";
import { startEmulator } from "../src/emulator/server.js";
import { signedPost } from "./signed.js";

const deltas = Number(process.env.BENCH_DECODE_DELTAS ?? 100);
const rounds = Number(process.env.BENCH_DECODE_ROUNDS ?? 15);
const readSize = Number(process.env.BENCH_DECODE_READ ?? 65_536);
const streamsPerRound = Number(process.env.BENCH_DECODE_STREAMS ?? 400);
const trees = (process.env.BENCH_DECODE_TREES ?? resolve(import.meta.dirname, ".."))
  .split(",")
  .map((tree) => resolve(tree.trim()));

/** The modules of the streamed path, from one checkout. */
interface Tree {
  root: string;
  admission: typeof Admission;
  buffered: typeof BufferedEvents;
  eventStream: typeof EventStream;
  watched: typeof WatchedRuntime;
  messages: typeof MessagesStream;
  chat: typeof ChatStream;
}

async function load(root: string): Promise<Tree> {
  const from = (path: string) => import(pathToFileURL(`${root}/src/${path}`).href);
  return {
    root,
    admission: await from("bedrock/admission.ts"),
    buffered: await from("bedrock/buffered-events.ts"),
    eventStream: await from("bedrock/lean/event-stream.ts"),
    watched: await from("bedrock/watched-runtime.ts"),
    messages: await from("dialects/anthropic/messages-stream.ts"),
    chat: await from("dialects/openai/chat-stream.ts"),
  };
}

async function record(): Promise<Buffer> {
  const emulator = await startEmulator({ port: 0 });
  try {
    const body = JSON.stringify({
      messages: [{ role: "user", content: [{ text: `Tell me about the gateway @@deltas:${deltas}` }] }],
    });
    const target = await signedPost(emulator.url, "/model/amazon.nova-micro-v1:0/converse-stream", body);
    const pool = new Pool(emulator.url);
    const response = await pool.request({
      path: new URL(target.url).pathname,
      method: "POST",
      headers: target.headers,
      body,
    });
    const bytes = Buffer.from(await response.body.arrayBuffer());
    await pool.close();
    return bytes;
  } finally {
    await emulator.close();
  }
}

function reads(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += readSize) out.push(bytes.subarray(at, at + readSize));
  return out;
}

async function* body(chunks: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

/** The observers the gateway puts on a stream: the access log's record and the admission slot. */
const seen = { firstDeltas: 0, outputTokens: 0 };
function observer(): StreamObserver {
  let first = true;
  return {
    event(event) {
      if (first && event.contentBlockDelta) {
        first = false;
        seen.firstDeltas++;
      } else if (event.metadata) seen.outputTokens += event.metadata.usage?.outputTokens ?? 0;
    },
    end() {},
  };
}

type Frames = (event: ConverseStreamOutput) => string | undefined;

/** One stream as the gateway's writeSse runs it: events taken synchronously while buffered, frames batched. */
async function relay(
  tree: Tree,
  slots: Admission.CallSlots,
  chunks: Buffer[],
  frames: Frames,
): Promise<{ events: number; bytes: number }> {
  const transport: Pick<BedrockRuntime, "converseStream"> = {
    converseStream: async (_input, _signal, _exchange, watching) =>
      tree.eventStream.converseEvents(body(chunks), () => {}, watching),
  };
  const runtime = tree.watched.watchCalls(transport as BedrockRuntime, 60_000);
  const slot = slots.tryTake();
  if (!slot) throw new Error("no slot");
  const stream = await runtime.converseStream(
    { modelId: "m" },
    new AbortController().signal,
    undefined,
    tree.admission.releasingOnEnd(slot, observer()),
  );
  const iterator = stream[Symbol.asyncIterator]();
  const buffered = tree.buffered.canTakeBuffered(iterator) ? iterator : undefined;
  let batch = "";
  let events = 0;
  let bytes = 0;
  for (;;) {
    let event = buffered?.nextBuffered();
    if (event === undefined) {
      if (batch !== "") {
        bytes += Buffer.from(batch).length;
        batch = "";
      }
      const step = await iterator.next();
      if (step.done) break;
      event = step.value;
    }
    events++;
    const frame = frames(event);
    if (frame) batch += frame;
  }
  if (batch !== "") bytes += Buffer.from(batch).length;
  return { events, bytes };
}

const routes: Record<string, (tree: Tree) => Frames> = {
  chat: (tree) => {
    const translator = new tree.chat.ChatStreamTranslator(
      "chatcmpl-abcdefabcdef",
      "amazon.nova-micro-v1:0",
      1_700_000_000,
      false,
    );
    return (event) => translator.frame(event);
  },
  anthropic: (tree) => {
    const translator = new tree.messages.MessagesStreamTranslator(
      "msg_abcdefabcdefabcdef",
      "amazon.nova-micro-v1:0",
      undefined,
    );
    return (event) => translator.frames(event);
  },
};

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const recorded = await record();
const chunks = reads(recorded);
console.log(
  `${deltas} deltas: ${recorded.length} bytes in ${chunks.length} read(s), node ${process.version}`,
);
const loaded: { tree: Tree; slots: Admission.CallSlots }[] = [];
for (const root of trees) {
  const tree = await load(root);
  loaded.push({
    tree,
    slots: new tree.admission.CallSlots({ limit: 1e9, queueLimit: 0, queueTimeoutMs: 1 }),
  });
}
for (const [name, make] of Object.entries(routes)) {
  const perEvent = loaded.map(() => [] as number[]);
  let shape = "";
  for (const { tree, slots } of loaded) {
    const { events, bytes } = await relay(tree, slots, chunks, make(tree));
    shape ||= `${events} events, ${bytes} bytes out`;
    if (shape !== `${events} events, ${bytes} bytes out`)
      throw new Error(`${tree.root} relays another stream`);
  }
  const events = Number(shape.split(" ")[0]);
  for (let round = 0; round < rounds; round++) {
    // Each round in turn, starting with another tree each time.
    for (let k = 0; k < loaded.length; k++) {
      const index = (round + k) % loaded.length;
      const { tree, slots } = loaded[index] as (typeof loaded)[number];
      const start = process.cpuUsage();
      for (let i = 0; i < streamsPerRound; i++) await relay(tree, slots, chunks, make(tree));
      const used = process.cpuUsage(start);
      perEvent[index]?.push((used.user + used.system) / (streamsPerRound * events));
    }
  }
  loaded.forEach(({ tree }, index) => {
    const sorted = [...(perEvent[index] as number[])].sort((a, b) => a - b);
    console.log(
      `${name} ${tree.root}: ${shape}; CPU per event ${median(sorted).toFixed(2)} µs (min ${sorted[0]?.toFixed(2)}, max ${sorted.at(-1)?.toFixed(2)})`,
    );
  });
}
