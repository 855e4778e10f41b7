import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { toFinishReason } from "./finish-reason.js";
import { toOpenAiUsage } from "./usage.js";

interface ChunkDelta {
  role?: "assistant";
  content?: string;
  reasoning_content?: string;
  tool_calls?: {
    index: number;
    id?: string;
    type?: "function";
    function: { name?: string; arguments: string };
  }[];
}

/**
 * Translates Converse stream events into `chat.completion.chunk` objects, one event at a time.
 * Bedrock numbers content blocks across text and tools; OpenAI numbers tool calls on their own.
 */
export class ChatStreamTranslator {
  private readonly toolIndexOfBlock = new Map<number, number>();
  private readonly base: { id: string; object: "chat.completion.chunk"; created: number; model: string };
  /** A text delta's SSE frame is `textFrame[0] + JSON.stringify(text) + textFrame[1]`. */
  private readonly textFrame: [string, string];

  constructor(
    id: string,
    model: string,
    created: number,
    private readonly includeUsage: boolean,
  ) {
    this.base = { id, object: "chat.completion.chunk", created, model };
    // Cut from the very serialisation of an empty text chunk, so the spliced frames are byte for byte
    // what stringifying the whole chunk gives. Inside a JSON string every quote is escaped, so the
    // marker can only match the delta itself.
    const empty = `data: ${JSON.stringify(this.chunk({ content: "" }))}\n\n`;
    const marker = '"delta":{"content":';
    const at = empty.indexOf(marker) + marker.length;
    this.textFrame = [empty.slice(0, at), empty.slice(at + 2)];
  }

  /**
   * The SSE frame for one event, if it makes a chunk. Text deltas, nearly every event of a stream, are
   * spliced into the frame made once per stream: only the text is stringified.
   */
  frame(event: ConverseStreamOutput): string | undefined {
    const text = event.contentBlockDelta?.delta?.text;
    if (text !== undefined) return this.textFrame[0] + JSON.stringify(text) + this.textFrame[1];
    const chunk = this.translate(event);
    return chunk ? `data: ${JSON.stringify(chunk)}\n\n` : undefined;
  }

  private chunk(delta: ChunkDelta, finishReason: string | null = null) {
    const chunk: Record<string, unknown> = {
      ...this.base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    if (this.includeUsage) chunk.usage = null;
    return chunk;
  }

  /** Zero or one chunk for each Bedrock event. */
  translate(event: ConverseStreamOutput): Record<string, unknown> | undefined {
    if (event.messageStart) return this.chunk({ role: "assistant", content: "" });
    if (event.contentBlockStart?.start?.toolUse) {
      const blockIndex = event.contentBlockStart.contentBlockIndex ?? 0;
      const toolIndex = this.toolIndexOfBlock.size;
      this.toolIndexOfBlock.set(blockIndex, toolIndex);
      const { toolUseId, name } = event.contentBlockStart.start.toolUse;
      return this.chunk({
        tool_calls: [
          {
            index: toolIndex,
            id: toolUseId ?? "",
            type: "function",
            function: { name: name ?? "", arguments: "" },
          },
        ],
      });
    }
    const delta = event.contentBlockDelta?.delta;
    if (delta) {
      if (delta.text !== undefined) return this.chunk({ content: delta.text });
      if (delta.toolUse) {
        const toolIndex = this.toolIndexOfBlock.get(event.contentBlockDelta?.contentBlockIndex ?? 0) ?? 0;
        return this.chunk({
          tool_calls: [{ index: toolIndex, function: { arguments: delta.toolUse.input ?? "" } }],
        });
      }
      if (delta.reasoningContent?.text !== undefined)
        return this.chunk({ reasoning_content: delta.reasoningContent.text });
      return undefined;
    }
    if (event.messageStop) return this.chunk({}, toFinishReason(event.messageStop.stopReason));
    if (event.metadata && this.includeUsage) {
      return { ...this.base, choices: [], usage: toOpenAiUsage(event.metadata.usage) };
    }
    return undefined;
  }
}
