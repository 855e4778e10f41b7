import { EVENT_STREAM_CONTENT_TYPE, eventFrame, exceptionFrame, streamMemberName } from "../eventstream.js";
import type { Exchange } from "../exchange.js";
import { directedError, honourRequestDirectives } from "../faults.js";
import { requireChatModel } from "../runtime-model.js";
import { sleep } from "../sleep.js";
import { guardedReply, readGuardrailRequest } from "./guardrail.js";
import { type ConverseCall, planReply, type Reply, readConverseCall } from "./reply.js";

/**
 * ConverseStream: the same answer as Converse, as event-stream frames written one by one as they are
 * produced, so a slow stream (@@slow) is observable by the client and by the gateway in between.
 */

/** Words with their trailing whitespace, so the deltas concatenate back to the exact text. */
function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [text];
}

/** Exactly n pieces of near-equal length (by code point); later pieces may be empty when n > length. */
function splitEvenly(text: string, n: number): string[] {
  const chars = Array.from(text);
  const base = Math.floor(chars.length / n);
  const extra = chars.length % n;
  const pieces: string[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = base + (i < extra ? 1 : 0);
    pieces.push(chars.slice(at, at + size).join(""));
    at += size;
  }
  return pieces;
}

/** Tool input JSON arrives in fragments, never whole, as with real models; at least two. */
function fragments(json: string): string[] {
  return splitEvenly(json, Math.max(2, Math.ceil(json.length / 16)));
}

type Frame = Uint8Array;

function* answerFrames(call: ConverseCall, reply: Reply, startedAt: number): Generator<Frame> {
  yield eventFrame("messageStart", { role: "assistant" });
  let index = 0;
  for (const block of reply.blocks) {
    const contentBlockIndex = index;
    if (block.kind === "reasoning") {
      for (const text of words(block.text)) {
        yield eventFrame("contentBlockDelta", { contentBlockIndex, delta: { reasoningContent: { text } } });
      }
      yield eventFrame("contentBlockDelta", {
        contentBlockIndex,
        delta: { reasoningContent: { signature: block.signature } },
      });
    } else if (block.kind === "redacted") {
      yield eventFrame("contentBlockDelta", {
        contentBlockIndex,
        delta: { reasoningContent: { redactedContent: block.data } },
      });
    } else if (block.kind === "text") {
      const deltas = call.directives.deltas;
      if (deltas === 0) continue; // no text block at all
      const pieces =
        block.pieces ?? (deltas === undefined ? words(block.text) : splitEvenly(block.text, deltas));
      for (const text of pieces) {
        yield eventFrame("contentBlockDelta", { contentBlockIndex, delta: { text } });
      }
    } else {
      yield eventFrame("contentBlockStart", {
        contentBlockIndex,
        start: { toolUse: { toolUseId: block.toolUseId, name: block.name } },
      });
      for (const input of fragments(JSON.stringify(block.input))) {
        yield eventFrame("contentBlockDelta", { contentBlockIndex, delta: { toolUse: { input } } });
      }
    }
    yield eventFrame("contentBlockStop", { contentBlockIndex });
    index++;
  }
  yield eventFrame("messageStop", {
    stopReason: reply.stopReason,
    ...(reply.additionalModelResponseFields
      ? { additionalModelResponseFields: reply.additionalModelResponseFields }
      : {}),
  });
  // Generators run lazily, so this is the latency at the end of the stream.
  yield eventFrame("metadata", {
    usage: reply.usage,
    metrics: { latencyMs: Date.now() - startedAt },
    ...(reply.trace ? { trace: reply.trace } : {}),
  });
}

/** @@midstream: the stream starts normally, then fails with a modelled exception event. */
function* failingFrames(reply: Reply, exceptionName: string, exchange: Exchange): Generator<Frame> {
  yield eventFrame("messageStart", { role: "assistant" });
  const text = reply.blocks.find((b) => b.kind === "text")?.text ?? "Echo:";
  const pieces = words(text);
  for (const piece of pieces.length >= 2 ? pieces.slice(0, 2) : splitEvenly(text, 2)) {
    yield eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: piece } });
  }
  const error = directedError(exceptionName, exchange.region, exchange.record.modelId);
  yield exceptionFrame(streamMemberName(exceptionName), { message: error.message, ...error.fields });
}

export async function converseStream(exchange: Exchange): Promise<void> {
  requireChatModel(exchange);
  const call = readConverseCall(exchange.record.body);
  const guardrail = readGuardrailRequest(exchange.record.body, true);
  if (!(await honourRequestDirectives(exchange, call.directives))) return;
  const reply = guardrail ? guardedReply(call, guardrail, () => planReply(call)) : planReply(call);
  const out = exchange.stream(200, { "content-type": EVENT_STREAM_CONTENT_TYPE });
  const frames = call.directives.midstream
    ? failingFrames(reply, call.directives.midstream, exchange)
    : answerFrames(call, reply, exchange.startedAt);
  const slowMs = call.directives.slowMs ?? 0;
  if (slowMs === 0) {
    // Produced at once: a short answer goes to the socket in one piece (the same bytes); a long one, as
    // soon as it outgrows the budget, frame by frame with backpressure from there on.
    const held: Frame[] = [];
    let heldBytes = 0;
    let next = frames.next();
    for (; !next.done && heldBytes <= HELD_BYTES; next = frames.next()) {
      held.push(next.value);
      heldBytes += next.value.length;
    }
    if (next.done) {
      await out.endWith(held);
      return;
    }
    for (const frame of held) if (!(await out.write(frame))) return;
    for (; !next.done; next = frames.next()) if (!(await out.write(next.value))) return;
    out.end();
    return;
  }
  let first = true;
  for (const frame of frames) {
    if (!first && !(await sleep(slowMs, exchange.signal))) return;
    first = false;
    if (!(await out.write(frame))) return;
  }
  out.end();
}

/** How much of an answer produced at once is held to be written in one piece. */
const HELD_BYTES = 16 * 1024;
