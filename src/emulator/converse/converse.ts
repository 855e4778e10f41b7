import type { Exchange } from "../exchange.js";
import { directedError, honourRequestDirectives } from "../faults.js";
import { requireChatModel } from "../runtime-model.js";
import { guardedReply, readGuardrailRequest } from "./guardrail.js";
import { planReply, type Reply, type ReplyBlock, readConverseCall } from "./reply.js";

/** Converse: the whole answer as one JSON document. */

function renderBlock(block: ReplyBlock): Record<string, unknown> {
  switch (block.kind) {
    case "reasoning":
      return { reasoningContent: { reasoningText: { text: block.text, signature: block.signature } } };
    case "redacted":
      return { reasoningContent: { redactedContent: block.data } };
    case "text":
      return { text: block.text };
    case "toolUse":
      return { toolUse: { toolUseId: block.toolUseId, name: block.name, input: block.input } };
  }
}

export function renderConverseOutput(reply: Reply, latencyMs: number): Record<string, unknown> {
  return {
    output: { message: { role: "assistant", content: reply.blocks.map(renderBlock) } },
    stopReason: reply.stopReason,
    usage: reply.usage,
    metrics: { latencyMs },
    ...(reply.additionalModelResponseFields
      ? { additionalModelResponseFields: reply.additionalModelResponseFields }
      : {}),
    ...(reply.trace ? { trace: reply.trace } : {}),
  };
}

export async function converse(exchange: Exchange): Promise<void> {
  requireChatModel(exchange);
  const call = readConverseCall(exchange.record.body);
  const guardrail = readGuardrailRequest(exchange.record.body, false);
  if (!(await honourRequestDirectives(exchange, call.directives))) return;
  // Without a stream there is no "middle": the stream failure is simply the call's error.
  if (call.directives.midstream)
    throw directedError(call.directives.midstream, exchange.region, exchange.record.modelId);
  const reply = guardrail ? guardedReply(call, guardrail, () => planReply(call)) : planReply(call);
  exchange.json(200, renderConverseOutput(reply, Date.now() - exchange.startedAt));
}
