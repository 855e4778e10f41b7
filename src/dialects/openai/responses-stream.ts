import type { ConverseStreamOutput, TokenUsage } from "@aws-sdk/client-bedrock-runtime";
import type { GatewayError } from "../../errors.js";
import {
  failureCode,
  functionCallItem,
  itemId,
  messageItem,
  type OutputItem,
  outcomeOf,
  type ResponseShape,
  reasoningItem,
  toResponsesUsage,
} from "./responses-output.js";
import { redactedPrefix } from "./responses-request.js";

/** One Bedrock content block being streamed as one output item. */
type OpenItem =
  | { kind: "text"; id: string; outputIndex: number; text: string; deltaHead: string; deltaTail: string }
  | { kind: "tool"; id: string; outputIndex: number; callId: string; name: string; args: string }
  | {
      kind: "reasoning";
      id: string;
      outputIndex: number;
      text: string;
      summaryOpen: boolean;
      opaque?: string;
    };

/**
 * Translates Converse stream events into Responses stream events (SSE frames with `event:` lines), numbering
 * them. Each Bedrock content block becomes one output item: text a message, toolUse a function_call,
 * reasoning a reasoning item whose text is its summary.
 */
export class ResponsesStreamTranslator {
  private sequence = 0;
  private readonly open = new Map<number, OpenItem>();
  /** Closed items, in output order (an item's output index is its place here once closed). */
  private readonly items: OutputItem[] = [];
  private nextOutputIndex = 0;
  private stopReason: string | undefined;
  private usage: TokenUsage | undefined;

  constructor(
    private readonly shape: ResponseShape,
    private readonly now: () => number,
  ) {}

  private frame(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.sequence++, ...fields })}\n\n`;
  }

  /** response.created and response.in_progress. */
  start(): string {
    const snapshot = this.shape.snapshot("in_progress", []);
    return (
      this.frame("response.created", { response: snapshot }) +
      this.frame("response.in_progress", { response: snapshot })
    );
  }

  /** The frames one Bedrock event makes ("" for none). */
  frames(event: ConverseStreamOutput): string {
    const delta = event.contentBlockDelta?.delta;
    if (delta) {
      const index = event.contentBlockDelta?.contentBlockIndex ?? 0;
      if (delta.text !== undefined) return this.text(index, delta.text);
      if (delta.toolUse) return this.toolArguments(index, delta.toolUse.input ?? "");
      if (delta.reasoningContent) return this.reasoning(index, delta.reasoningContent);
      return "";
    }
    const toolUse = event.contentBlockStart?.start?.toolUse;
    if (toolUse) {
      const index = event.contentBlockStart?.contentBlockIndex ?? 0;
      const item: OpenItem = {
        kind: "tool",
        id: itemId("fc"),
        outputIndex: this.nextOutputIndex++,
        callId: toolUse.toolUseId ?? "",
        name: toolUse.name ?? "",
        args: "",
      };
      this.open.set(index, item);
      return this.frame("response.output_item.added", {
        output_index: item.outputIndex,
        item: functionCallItem(item.id, item.callId, item.name, "", "in_progress"),
      });
    }
    if (event.contentBlockStop) return this.close(event.contentBlockStop.contentBlockIndex ?? 0, "completed");
    if (event.messageStop) this.stopReason = event.messageStop.stopReason;
    else if (event.metadata) this.usage = event.metadata.usage;
    return "";
  }

  private text(index: number, text: string): string {
    let item = this.open.get(index);
    let frames = "";
    if (item === undefined) {
      const id = itemId("msg");
      const outputIndex = this.nextOutputIndex++;
      // Every delta of the item shares all but its sequence number and text: its frame is cut once.
      const deltaHead = `,"item_id":${JSON.stringify(id)},"output_index":${outputIndex},"content_index":0,"delta":`;
      item = { kind: "text", id, outputIndex, text: "", deltaHead, deltaTail: ',"logprobs":[]}\n\n' };
      this.open.set(index, item);
      frames =
        this.frame("response.output_item.added", {
          output_index: outputIndex,
          item: { ...messageItem(id, "", "in_progress"), content: [] },
        }) +
        this.frame("response.content_part.added", {
          item_id: id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: "output_text", annotations: [], logprobs: [], text: "" },
        });
    }
    if (item.kind !== "text") return frames;
    item.text += text;
    return (
      frames +
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":' +
      this.sequence++ +
      item.deltaHead +
      JSON.stringify(text) +
      item.deltaTail
    );
  }

  private toolArguments(index: number, fragment: string): string {
    const item = this.open.get(index);
    if (item?.kind !== "tool" || fragment === "") return "";
    item.args += fragment;
    return this.frame("response.function_call_arguments.delta", {
      item_id: item.id,
      output_index: item.outputIndex,
      delta: fragment,
    });
  }

  private reasoning(
    index: number,
    delta: { text?: string; signature?: string; redactedContent?: Uint8Array },
  ): string {
    let item = this.open.get(index);
    let frames = "";
    if (item === undefined) {
      item = {
        kind: "reasoning",
        id: itemId("rs"),
        outputIndex: this.nextOutputIndex++,
        text: "",
        summaryOpen: false,
      };
      this.open.set(index, item);
      frames = this.frame("response.output_item.added", {
        output_index: item.outputIndex,
        item: { ...reasoningItem(item.id, "", undefined), summary: [] },
      });
    }
    if (item.kind !== "reasoning") return frames;
    if (delta.signature !== undefined) item.opaque = delta.signature;
    if (delta.redactedContent !== undefined)
      item.opaque = redactedPrefix + Buffer.from(delta.redactedContent).toString("base64");
    if (delta.text === undefined || delta.text === "") return frames;
    if (!item.summaryOpen) {
      item.summaryOpen = true;
      frames += this.frame("response.reasoning_summary_part.added", {
        item_id: item.id,
        output_index: item.outputIndex,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      });
    }
    item.text += delta.text;
    return (
      frames +
      this.frame("response.reasoning_summary_text.delta", {
        item_id: item.id,
        output_index: item.outputIndex,
        summary_index: 0,
        delta: delta.text,
      })
    );
  }

  /** Closes one block's item: its .done events, then response.output_item.done. */
  private close(index: number, status: "completed" | "incomplete"): string {
    const item = this.open.get(index);
    if (item === undefined) return "";
    this.open.delete(index);
    const at = { item_id: item.id, output_index: item.outputIndex };
    let frames = "";
    let done: OutputItem;
    switch (item.kind) {
      case "text": {
        const part = { type: "output_text", annotations: [], logprobs: [], text: item.text };
        frames =
          this.frame("response.output_text.done", {
            ...at,
            content_index: 0,
            text: item.text,
            logprobs: [],
          }) + this.frame("response.content_part.done", { ...at, content_index: 0, part });
        done = messageItem(item.id, item.text, status);
        break;
      }
      case "tool":
        frames = this.frame("response.function_call_arguments.done", {
          ...at,
          name: item.name,
          arguments: item.args,
        });
        done = functionCallItem(item.id, item.callId, item.name, item.args, status);
        break;
      case "reasoning":
        if (item.summaryOpen) {
          frames =
            this.frame("response.reasoning_summary_text.done", { ...at, summary_index: 0, text: item.text }) +
            this.frame("response.reasoning_summary_part.done", {
              ...at,
              summary_index: 0,
              part: { type: "summary_text", text: item.text },
            });
        }
        done = reasoningItem(item.id, item.text, item.opaque);
        break;
    }
    this.items[item.outputIndex] = done;
    return frames + this.frame("response.output_item.done", { output_index: item.outputIndex, item: done });
  }

  private closeAll(status: "completed" | "incomplete"): string {
    let frames = "";
    for (const index of [...this.open.keys()]) frames += this.close(index, status);
    return frames;
  }

  /** After the last Bedrock event: the closing events and response.completed (or .incomplete). */
  finish(): { frames: string; response: Record<string, unknown> } {
    const outcome = outcomeOf(this.stopReason);
    let frames = this.closeAll(outcome.status);
    const response = this.shape.snapshot(outcome.status, this.items.filter(Boolean), {
      completedAt: Math.floor(this.now() / 1000),
      incomplete_details: outcome.incomplete_details,
      usage: toResponsesUsage(this.usage),
    });
    frames += this.frame(outcome.status === "completed" ? "response.completed" : "response.incomplete", {
      response,
    });
    return { frames, response };
  }

  /** Bedrock failed after the stream started: an error event, then response.failed with what came so far. */
  fail(error: GatewayError): { frames: string; response: Record<string, unknown> } {
    const code = failureCode(error);
    let frames = this.frame("error", { code, message: error.message, param: null });
    frames += this.closeAll("incomplete");
    const response = this.shape.snapshot("failed", this.items.filter(Boolean), {
      error: { code, message: error.message },
      usage: this.usage ? toResponsesUsage(this.usage) : null,
    });
    frames += this.frame("response.failed", { response });
    return { frames, response };
  }
}
