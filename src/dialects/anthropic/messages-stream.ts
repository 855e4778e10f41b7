import type { ConverseStreamOutput, TokenUsage } from "@aws-sdk/client-bedrock-runtime";
import type { DocumentType } from "@smithy/types";
import { type AnthropicContentBlock, redactedData } from "./messages-response.js";
import { type AnthropicStopReason, matchedStopSequence, toStopReason } from "./stop-reason.js";
import { toAnthropicUsage } from "./usage.js";

/** One Anthropic server-sent event: its `type` is also the SSE event name. */
export interface AnthropicStreamEvent {
  type: string;
  [field: string]: unknown;
}

type BlockKind = "text" | "thinking" | "tool_use";

/** `event: <type>` and `data: <json>`, as Anthropic writes its stream. */
export const sseFrame = (event: AnthropicStreamEvent) =>
  `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/** The SSE frames of some Anthropic events, written together; undefined for none. */
export function framesOf(events: AnthropicStreamEvent[]): string | undefined {
  if (events.length === 0) return undefined;
  if (events.length === 1) return sseFrame(events[0] as AnthropicStreamEvent);
  return events.map(sseFrame).join("");
}

/**
 * Translates Converse stream events into Anthropic's event sequence, one event at a time:
 * message_start, then per block content_block_start / content_block_delta… / content_block_stop (with one
 * ping after the first start), then message_delta and message_stop.
 *
 * Bedrock announces only tool blocks with a start event (text and reasoning begin with their first delta),
 * numbers blocks its own way, and reports usage after the stop reason; Anthropic numbers blocks 0, 1, 2…
 * in order and sends the stop reason together with the usage, so both wait for Bedrock's metadata event.
 */
export class MessagesStreamTranslator {
  private started = false;
  private pinged = false;
  private nextIndex = 0;
  private open: { bedrockIndex: number; index: number; kind: BlockKind } | undefined;
  private readonly redacted = new Map<number, Buffer[]>();
  private stop: { reason: AnthropicStopReason; fields: DocumentType | undefined } | undefined;
  private usage: TokenUsage | undefined;
  private ended = false;
  private textFrameCache: { index: number; frame: [string, string] } | undefined;

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly stopSequences: readonly string[] | null | undefined,
  ) {}

  /**
   * The SSE frames for one Bedrock event, if it makes any. A text delta inside the open text block, nearly
   * every event of a stream, is spliced into the frame of an empty one: only the text is stringified.
   */
  frames(event: ConverseStreamOutput): string | undefined {
    const delta = event.contentBlockDelta;
    const text = delta?.delta?.text;
    const open = this.open;
    if (
      text !== undefined &&
      this.started &&
      open?.kind === "text" &&
      open.bedrockIndex === (delta?.contentBlockIndex ?? 0)
    ) {
      const frame = this.textFrame(open.index);
      return frame[0] + JSON.stringify(text) + frame[1];
    }
    return framesOf(this.translate(event));
  }

  /** A text delta's frame of block `index` is `[0] + JSON.stringify(text) + [1]`. */
  private textFrame(index: number): [string, string] {
    if (this.textFrameCache?.index !== index) {
      // Cut from the very serialisation of an empty delta, so spliced frames are byte for byte what
      // stringifying the event gives; inside a JSON string every quote is escaped, so only the delta's
      // own (empty) text can match.
      const empty = sseFrame(this.blockDelta({ type: "text_delta", text: "" }));
      const marker = '"text":""';
      const at = empty.lastIndexOf(marker) + '"text":'.length;
      this.textFrameCache = { index, frame: [empty.slice(0, at), empty.slice(at + 2)] };
    }
    return this.textFrameCache.frame;
  }

  /** The Anthropic events for one Bedrock event (often none or one, sometimes several). */
  translate(event: ConverseStreamOutput): AnthropicStreamEvent[] {
    const events = this.startOnce();
    if (event.contentBlockStart?.start?.toolUse) {
      const { toolUseId, name } = event.contentBlockStart.start.toolUse;
      events.push(
        ...this.openBlock(event.contentBlockStart.contentBlockIndex ?? 0, "tool_use", {
          type: "tool_use",
          id: toolUseId ?? "",
          name: name ?? "",
          input: {},
        }),
      );
    } else if (event.contentBlockDelta) {
      events.push(
        ...this.delta(event.contentBlockDelta.contentBlockIndex ?? 0, event.contentBlockDelta.delta),
      );
    } else if (event.contentBlockStop) {
      events.push(...this.closeBlock(event.contentBlockStop.contentBlockIndex ?? 0));
    } else if (event.messageStop) {
      events.push(...this.closeOpen());
      this.stop = {
        reason: toStopReason(event.messageStop.stopReason),
        fields: event.messageStop.additionalModelResponseFields,
      };
    } else if (event.metadata) {
      this.usage = event.metadata.usage;
      if (this.stop) events.push(...this.end());
    }
    return events;
  }

  /**
   * The closing events once Bedrock's stream is over. Undefined when the message never stopped
   * (the stream broke off), which the caller reports as an error event.
   */
  finish(): AnthropicStreamEvent[] | undefined {
    if (this.ended) return [];
    if (!this.stop) return undefined;
    return [...this.startOnce(), ...this.end()];
  }

  private startOnce(): AnthropicStreamEvent[] {
    if (this.started) return [];
    this.started = true;
    return [
      {
        type: "message_start",
        message: {
          id: this.id,
          type: "message",
          role: "assistant",
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // Bedrock reports the input tokens only at the end; message_delta carries the real counts.
          usage: toAnthropicUsage(undefined),
        },
      },
    ];
  }

  private delta(
    bedrockIndex: number,
    delta: NonNullable<ConverseStreamOutput["contentBlockDelta"]>["delta"],
  ): AnthropicStreamEvent[] {
    if (!delta) return [];
    if (delta.text !== undefined) {
      const events = this.ensureBlock(bedrockIndex, "text", { type: "text", text: "" });
      return [...events, this.blockDelta({ type: "text_delta", text: delta.text })];
    }
    if (delta.toolUse) {
      const events = this.ensureBlock(bedrockIndex, "tool_use", {
        type: "tool_use",
        id: "",
        name: "",
        input: {},
      });
      return [
        ...events,
        this.blockDelta({ type: "input_json_delta", partial_json: delta.toolUse.input ?? "" }),
      ];
    }
    const reasoning = delta.reasoningContent;
    if (reasoning?.redactedContent) {
      // Anthropic sends redacted thinking whole, in its start event: collect it until the block stops.
      const parts = this.redacted.get(bedrockIndex) ?? [];
      parts.push(Buffer.from(reasoning.redactedContent));
      this.redacted.set(bedrockIndex, parts);
      return [];
    }
    if (reasoning?.text !== undefined || reasoning?.signature !== undefined) {
      const events = this.ensureBlock(bedrockIndex, "thinking", {
        type: "thinking",
        thinking: "",
        signature: "",
      });
      if (reasoning.text !== undefined)
        events.push(this.blockDelta({ type: "thinking_delta", thinking: reasoning.text }));
      if (reasoning.signature !== undefined)
        events.push(this.blockDelta({ type: "signature_delta", signature: reasoning.signature }));
      return events;
    }
    return [];
  }

  private blockDelta(delta: Record<string, unknown>): AnthropicStreamEvent {
    return { type: "content_block_delta", index: this.open?.index ?? 0, delta };
  }

  private ensureBlock(
    bedrockIndex: number,
    kind: BlockKind,
    block: AnthropicContentBlock,
  ): AnthropicStreamEvent[] {
    if (this.open?.bedrockIndex === bedrockIndex && this.open.kind === kind) return [];
    return this.openBlock(bedrockIndex, kind, block);
  }

  private openBlock(
    bedrockIndex: number,
    kind: BlockKind,
    block: AnthropicContentBlock,
  ): AnthropicStreamEvent[] {
    const events = this.closeOpen();
    const index = this.nextIndex++;
    this.open = { bedrockIndex, index, kind };
    events.push({ type: "content_block_start", index, content_block: block });
    events.push(...this.pingOnce());
    return events;
  }

  private pingOnce(): AnthropicStreamEvent[] {
    if (this.pinged) return [];
    this.pinged = true;
    return [{ type: "ping" }];
  }

  private closeOpen(): AnthropicStreamEvent[] {
    if (!this.open) return [];
    const index = this.open.index;
    this.open = undefined;
    return [{ type: "content_block_stop", index }];
  }

  private closeBlock(bedrockIndex: number): AnthropicStreamEvent[] {
    const parts = this.redacted.get(bedrockIndex);
    if (parts) {
      this.redacted.delete(bedrockIndex);
      const events = this.closeOpen();
      const index = this.nextIndex++;
      events.push({
        type: "content_block_start",
        index,
        content_block: { type: "redacted_thinking", data: redactedData(Buffer.concat(parts)) },
      });
      events.push(...this.pingOnce());
      events.push({ type: "content_block_stop", index });
      return events;
    }
    return this.open?.bedrockIndex === bedrockIndex ? this.closeOpen() : [];
  }

  private end(): AnthropicStreamEvent[] {
    this.ended = true;
    const stop = this.stop ?? { reason: "end_turn" as const, fields: undefined };
    return [
      {
        type: "message_delta",
        delta: {
          stop_reason: stop.reason,
          stop_sequence: matchedStopSequence(stop.reason, stop.fields, this.stopSequences),
        },
        usage: toAnthropicUsage(this.usage),
      },
      { type: "message_stop" },
    ];
  }
}
