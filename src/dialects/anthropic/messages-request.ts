import type {
  CachePointBlock,
  ContentBlock,
  ConverseStreamCommandInput,
  DocumentBlock,
  ImageBlock,
  InferenceConfiguration,
  Message,
  SystemContentBlock,
  Tool,
  ToolConfiguration,
  ToolResultContentBlock,
} from "@aws-sdk/client-bedrock-runtime";
import type { DocumentType } from "@smithy/types";
import { mergeSameRole } from "../../bedrock/turns.js";
import { invalidRequest } from "../../errors.js";
import { documentName } from "../../media/formats.js";
import type { MediaLoader } from "../../media/types.js";
import type {
  CacheControl,
  ContentBlockParam,
  CountTokensRequest,
  DocumentBlockParam,
  ImageSource,
  MessagesRequest,
  ToolParam,
} from "./messages-schema.js";
import { isClaudeModelId } from "./models.js";
import { leadingSystemBlocks, midConversationTurn } from "./system-messages.js";

type Document = Record<string, DocumentType>;

/** What the translation needs besides the request body. */
export interface TranslationContext {
  /** The Bedrock model id the caller's model name resolved to. */
  modelId: string;
  /** Loads url sources (through the guarded fetcher when the deployment has one). */
  media: MediaLoader;
  /** Bedrock-supported values of the `anthropic-beta` header. */
  betas: string[];
}

/** The parts of a Converse request that count_tokens counts too. */
export type ConverseParts = Pick<
  ConverseStreamCommandInput,
  "messages" | "system" | "toolConfig" | "additionalModelRequestFields"
>;

/** `cache_control` marks the end of a cacheable prefix; Bedrock marks it with a cachePoint block after it. */
function cachePoint(control: NonNullable<CacheControl>): { cachePoint: CachePointBlock } {
  return { cachePoint: { type: "default", ...(control.ttl === "1h" ? { ttl: "1h" } : {}) } };
}

const fileIdsUnsupported = (param: string) =>
  invalidRequest("File ids are not supported: Bedrock has no Files API. Send the content as base64.", param);

/** Per-request state: url sources load through one loader, documents need distinct names. */
class BlockTranslator {
  private documents = 0;

  constructor(private readonly media: MediaLoader) {}

  async image(source: ImageSource, param: string): Promise<ImageBlock> {
    switch (source.type) {
      case "base64": {
        const loaded = this.media.inline(source.media_type, source.data, "image", `${param}.data`);
        return { format: loaded.format, source: { bytes: loaded.bytes } };
      }
      case "url": {
        const loaded = await this.media.load(source.url, "image", `${param}.url`);
        if (loaded.kind !== "image")
          throw invalidRequest("The URL does not point to an image.", `${param}.url`);
        return { format: loaded.format, source: { bytes: loaded.bytes } };
      }
      case "file":
        throw fileIdsUnsupported(param);
    }
  }

  async document(block: DocumentBlockParam, param: string): Promise<ContentBlock> {
    const name = documentName(block.title ?? undefined, this.documents++);
    const described = (document: DocumentBlock): DocumentBlock =>
      block.context ? { ...document, context: block.context } : document;
    const source = block.source;
    const at = `${param}.source`;
    switch (source.type) {
      case "base64": {
        const loaded = this.media.inline(source.media_type, source.data, "document", `${at}.data`);
        return { document: described({ format: loaded.format, name, source: { bytes: loaded.bytes } }) };
      }
      case "text":
        return {
          document: described({ format: "txt", name, source: { bytes: Buffer.from(source.data, "utf8") } }),
        };
      case "content": {
        const texts = source.content.map((part, index) => {
          if (part.type !== "text") {
            throw invalidRequest(
              "Bedrock documents can only hold text; send images as image blocks.",
              `${at}.content[${index}]`,
            );
          }
          return part.text;
        });
        const bytes = Buffer.from(texts.join("\n\n"), "utf8");
        return { document: described({ format: "txt", name, source: { bytes } }) };
      }
      case "url": {
        const loaded = await this.media.load(source.url, "document", `${at}.url`);
        if (loaded.kind === "image")
          return { image: { format: loaded.format, source: { bytes: loaded.bytes } } };
        return { document: described({ format: loaded.format, name, source: { bytes: loaded.bytes } }) };
      }
      case "file":
        throw fileIdsUnsupported(at);
    }
  }

  private async toolResultContent(
    content: Extract<ContentBlockParam, { type: "tool_result" }>["content"],
    param: string,
  ): Promise<ToolResultContentBlock[]> {
    const parts = await Promise.all(
      (content ?? []).map(async (part, index): Promise<ToolResultContentBlock | undefined> => {
        const at = `${param}[${index}]`;
        switch (part.type) {
          case "text":
            // Bedrock refuses blank text blocks; an empty tool output says nothing either way.
            return part.text === "" ? undefined : { text: part.text };
          case "image":
            return { image: await this.image(part.source, `${at}.source`) };
          case "document": {
            const block = await this.document(part, at);
            return block.image ? { image: block.image } : { document: block.document as DocumentBlock };
          }
        }
      }),
    );
    return parts.filter((part) => part !== undefined);
  }

  /** One Anthropic content block → Bedrock blocks (the block, then a cachePoint when it carries cache_control). */
  async block(block: ContentBlockParam, param: string): Promise<ContentBlock[]> {
    const out: ContentBlock[] = [];
    switch (block.type) {
      case "text":
        out.push({ text: block.text });
        break;
      case "image":
        out.push({ image: await this.image(block.source, `${param}.source`) });
        break;
      case "document":
        out.push(await this.document(block, param));
        break;
      case "thinking":
        // Bedrock checks the signature of earlier thinking, so it goes back exactly as it came.
        out.push({
          reasoningContent: { reasoningText: { text: block.thinking, signature: block.signature } },
        });
        break;
      case "redacted_thinking":
        out.push({ reasoningContent: { redactedContent: Buffer.from(block.data, "base64") } });
        break;
      case "tool_use":
        out.push({ toolUse: { toolUseId: block.id, name: block.name, input: block.input as Document } });
        break;
      case "tool_result":
        out.push({
          toolResult: {
            toolUseId: block.tool_use_id,
            content: await this.toolResultContent(block.content, `${param}.content`),
            ...(block.is_error ? { status: "error" as const } : {}),
          },
        });
        break;
    }
    if ("cache_control" in block && block.cache_control) out.push(cachePoint(block.cache_control));
    return out;
  }
}

function toolSpec(tool: ToolParam): Tool {
  return {
    toolSpec: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      inputSchema: { json: tool.input_schema as Document },
      ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
    },
  };
}

const usesTools = (messages: Message[]) =>
  messages.some((message) => message.content?.some((block) => block.toolUse || block.toolResult));

/**
 * Bedrock has no `none` tool choice, and requires the tools whenever the conversation holds tool blocks:
 * with `none`, tools are left out unless the history needs them.
 */
function toolConfig(request: CountTokensRequest, messages: Message[]): ToolConfiguration | undefined {
  const tools = request.tools ?? [];
  if (tools.length === 0) return undefined;
  const choice = request.tool_choice;
  if (choice?.type === "none" && !usesTools(messages)) return undefined;
  const converseTools = tools.flatMap((tool) =>
    tool.cache_control ? [toolSpec(tool), cachePoint(tool.cache_control) as Tool] : [toolSpec(tool)],
  );
  switch (choice?.type) {
    case undefined:
    case "none":
    case "auto":
      return { tools: converseTools };
    case "any":
      return { tools: converseTools, toolChoice: { any: {} } };
    case "tool":
      if (!tools.some((tool) => tool.name === choice.name)) {
        throw invalidRequest(
          `tool_choice names "${choice.name}", which is not in tools.`,
          "tool_choice.name",
        );
      }
      return { tools: converseTools, toolChoice: { tool: { name: choice.name } } };
  }
}

function additionalFields(
  request: CountTokensRequest & { top_k?: number | null },
  context: TranslationContext,
) {
  const fields: Document = {};
  const thinking = request.thinking;
  if (thinking && thinking.type !== "disabled") fields.thinking = thinking as Document;
  if (request.top_k != null) fields.top_k = request.top_k;
  if (request.output_config?.effort) fields.output_config = { effort: request.output_config.effort };
  if (context.betas.length > 0 && isClaudeModelId(context.modelId)) fields.anthropic_beta = context.betas;
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/** Messages (or count_tokens) request → the Converse fields both calls share. */
export async function toConverseParts(
  request: CountTokensRequest & { top_k?: number | null },
  context: TranslationContext,
): Promise<ConverseParts> {
  const blocks = new BlockTranslator(context.media);
  const system: SystemContentBlock[] = [];
  for (const part of request.system ?? []) {
    if (part.text !== "") system.push({ text: part.text });
    if (part.cache_control) system.push(cachePoint(part.cache_control));
  }
  // System messages before the first user or assistant message are leading ones (see system-messages.ts).
  const firstTurn = request.messages.findIndex((message) => message.role !== "system");
  const converted = await Promise.all(
    request.messages.map(async (message, index): Promise<Message | undefined> => {
      if (message.role === "system") {
        if (firstTurn !== -1 && index > firstTurn) return midConversationTurn(message, cachePoint);
        system.push(...leadingSystemBlocks(message, cachePoint));
        return undefined;
      }
      const content = await Promise.all(
        message.content.map((block, blockIndex) =>
          blocks.block(block, `messages[${index}].content[${blockIndex}]`),
        ),
      );
      return { role: message.role, content: content.flat() };
    }),
  );
  const messages = mergeSameRole(converted.filter((message) => message !== undefined));
  if (messages.length === 0) {
    throw invalidRequest("messages must contain at least one user or assistant message.", "messages");
  }
  const last = messages.at(-1);
  // Top-level cache_control caches everything up to the end of the conversation.
  if (request.cache_control && last)
    last.content = [...(last.content ?? []), cachePoint(request.cache_control)];

  const parts: ConverseParts = { messages };
  if (system.length > 0) parts.system = system;
  const tools = toolConfig(request, messages);
  if (tools) parts.toolConfig = tools;
  const additional = additionalFields(request, context);
  if (additional) parts.additionalModelRequestFields = additional;
  return parts;
}

/** Anthropic Messages request → Converse / ConverseStream input. */
export async function toConverseInput(
  request: MessagesRequest,
  context: TranslationContext,
): Promise<ConverseStreamCommandInput> {
  const input: ConverseStreamCommandInput = {
    modelId: context.modelId,
    ...(await toConverseParts(request, context)),
  };
  const inference: InferenceConfiguration = { maxTokens: request.max_tokens };
  if (request.temperature != null) inference.temperature = request.temperature;
  if (request.top_p != null) inference.topP = request.top_p;
  if (request.stop_sequences && request.stop_sequences.length > 0) {
    inference.stopSequences = request.stop_sequences;
    // Converse says only that a stop sequence matched; Claude names which one when asked.
    if (isClaudeModelId(context.modelId)) input.additionalModelResponseFieldPaths = ["/stop_sequence"];
  }
  input.inferenceConfig = inference;
  const format = request.output_config?.format;
  if (format) {
    input.outputConfig = {
      textFormat: {
        type: "json_schema",
        structure: { jsonSchema: { schema: JSON.stringify(format.schema), name: "response" } },
      },
    };
  }
  return input;
}
