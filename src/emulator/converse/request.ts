import { EmulatedError } from "../exceptions.js";

/**
 * The parts of a Converse / ConverseStream request body the emulator looks at, as the SDK puts them
 * on the wire (JSON; image and document bytes arrive base64-encoded, and are kept in the record).
 */

export interface ContentBlock {
  text?: string;
  image?: unknown;
  document?: unknown;
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
  toolResult?: { toolUseId?: string; content?: ToolResultContent[]; status?: string };
  reasoningContent?: { reasoningText?: { text?: string } };
  [other: string]: unknown;
}

export interface ToolResultContent {
  text?: string;
  json?: unknown;
  [other: string]: unknown;
}

export interface Message {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export interface ConverseRequest {
  messages: Message[];
  system?: Array<{ text?: string; [other: string]: unknown }>;
  inferenceConfig?: { maxTokens?: number; stopSequences?: string[]; [other: string]: unknown };
  toolConfig?: { tools?: unknown[]; [other: string]: unknown };
  [other: string]: unknown;
}

function invalid(message: string): EmulatedError {
  return new EmulatedError("ValidationException", message, 400);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks the request the way Bedrock does for the mistakes a gateway can make; rejects with a
 * ValidationException (messages modelled on Bedrock's own wording).
 */
export function parseConverseRequest(body: unknown): ConverseRequest {
  if (!isObject(body)) throw invalid("Malformed input request, please reformat your input and try again.");
  const messages = body.messages;
  if (!Array.isArray(messages)) {
    throw invalid(
      "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null",
    );
  }
  if (messages.length === 0) {
    throw invalid(
      "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
    );
  }
  for (const [i, message] of messages.entries()) {
    if (!isObject(message) || (message.role !== "user" && message.role !== "assistant")) {
      throw invalid(
        `1 validation error detected: Value at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`,
      );
    }
    if (!Array.isArray(message.content)) {
      throw invalid(
        `1 validation error detected: Value null at 'messages.${i + 1}.member.content' failed to satisfy constraint: Member must not be null`,
      );
    }
  }
  const request = body as ConverseRequest;
  if (!request.toolConfig && request.messages.some((m) => m.content.some((b) => b.toolUse || b.toolResult))) {
    // Real Bedrock refuses tool blocks without a tool configuration; gateways trip on this.
    throw invalid("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
  }
  return request;
}

export function lastUserMessage(request: ConverseRequest): Message | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === "user") return message;
  }
  return undefined;
}

export function textsOf(message: Message | undefined): string[] {
  return (message?.content ?? []).flatMap((b) => (typeof b.text === "string" ? [b.text] : []));
}

/** The text of a tool result: its text parts as they are, its JSON parts serialised. */
export function toolResultText(result: NonNullable<ContentBlock["toolResult"]>): string {
  return (result.content ?? [])
    .map((part) =>
      typeof part.text === "string" ? part.text : part.json !== undefined ? JSON.stringify(part.json) : "",
    )
    .filter((s) => s.length > 0)
    .join(" ");
}

/** Every piece of text the model would read, for deterministic token counting. */
export function inputTexts(request: ConverseRequest): string[] {
  const texts: string[] = [];
  for (const block of request.system ?? []) if (typeof block.text === "string") texts.push(block.text);
  for (const message of request.messages) {
    for (const block of message.content) {
      if (typeof block.text === "string") texts.push(block.text);
      if (block.toolUse) texts.push(JSON.stringify(block.toolUse.input ?? {}));
      if (block.toolResult) texts.push(toolResultText(block.toolResult));
      const reasoning = block.reasoningContent?.reasoningText?.text;
      if (typeof reasoning === "string") texts.push(reasoning);
    }
  }
  for (const tool of request.toolConfig?.tools ?? []) texts.push(JSON.stringify(tool));
  return texts;
}

/** The emulator's tokenizer: whitespace-separated words. Deterministic and easy to assert on. */
export function countTokens(texts: readonly string[]): number {
  let n = 0;
  for (const text of texts) n += text.split(/\s+/).filter((w) => w.length > 0).length;
  return n;
}

/** Input tokens of a Converse request; shared with CountTokens so the two always agree. */
export function converseInputTokens(request: ConverseRequest): number {
  return Math.max(1, countTokens(inputTexts(request)));
}
