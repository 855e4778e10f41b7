import type {
  ContentBlock,
  ConverseStreamCommandInput,
  Message,
  SystemContentBlock,
  ToolResultContentBlock,
} from "@aws-sdk/client-bedrock-runtime";
import { mergeSameRole } from "../../bedrock/turns.js";
import { invalidRequest } from "../../errors.js";
import type { MediaLoader } from "../../media/types.js";
import {
  type ConverseSettings,
  converseInput,
  fileBlock,
  imageBlock,
  parseToolArguments,
  toolConfiguration,
} from "./chat-request.js";
import type {
  ContentPart,
  InputItem,
  InputTokensRequest,
  RequestItem,
  ResponsesRequest,
} from "./responses-schema.js";

/** Redacted reasoning travels in `encrypted_content` behind this marker; a signature travels bare. */
export const redactedPrefix = "redacted:";

/** One input item and the request field it came from (for errors that name it). */
export interface PlacedItem {
  item: InputItem;
  param: string;
}

async function partBlock(
  part: ContentPart,
  index: number,
  param: string,
  media: MediaLoader,
): Promise<ContentBlock | undefined> {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return part.text === "" ? undefined : { text: part.text };
    case "refusal":
      return part.refusal === "" ? undefined : { text: part.refusal };
    case "input_image":
      if (!part.image_url) {
        throw invalidRequest(
          "Uploaded file ids are not supported; send the image as image_url (a data: URL or an https URL).",
          `${param}.file_id`,
        );
      }
      return imageBlock(part.image_url, `${param}.image_url`, media);
    case "input_file":
      if (!part.file_data && !part.file_url) {
        throw invalidRequest(
          "Uploaded file ids are not supported; send the file as file_data (a base64 data URL) or file_url.",
          `${param}.file_id`,
        );
      }
      return fileBlock(part, index, param, media);
  }
}

async function partsBlocks(
  content: string | ContentPart[],
  param: string,
  media: MediaLoader,
): Promise<ContentBlock[]> {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  const blocks = await Promise.all(
    content.map((part, index) => partBlock(part, index, `${param}[${index}]`, media)),
  );
  return blocks.filter((block): block is ContentBlock => block !== undefined);
}

function reasoningBlock(item: Extract<InputItem, { type: "reasoning" }>): ContentBlock | undefined {
  const opaque = item.encrypted_content;
  // Reasoning without Bedrock's signature cannot be given back to the model; it is dropped.
  if (!opaque) return undefined;
  if (opaque.startsWith(redactedPrefix)) {
    return {
      reasoningContent: { redactedContent: Buffer.from(opaque.slice(redactedPrefix.length), "base64") },
    };
  }
  const text = [...(item.content ?? []), ...item.summary].map((part) => part.text).join("");
  return { reasoningContent: { reasoningText: { text, signature: opaque } } };
}

/** Input items (replayed history first) → Converse turns, with system and developer messages as system text. */
async function toTurns(
  items: readonly PlacedItem[],
  media: MediaLoader,
): Promise<{ messages: Message[]; system: SystemContentBlock[] }> {
  const system: SystemContentBlock[] = [];
  const turns = await Promise.all(
    items.map(async ({ item, param }): Promise<Message | undefined> => {
      switch (item.type) {
        case "message": {
          const content = await partsBlocks(item.content, `${param}.content`, media);
          if (item.role === "system" || item.role === "developer") {
            for (const block of content) if (block.text !== undefined) system.push({ text: block.text });
            return undefined;
          }
          return content.length === 0 ? undefined : { role: item.role, content };
        }
        case "function_call":
          return {
            role: "assistant",
            content: [
              {
                toolUse: {
                  toolUseId: item.call_id,
                  name: item.name,
                  input: parseToolArguments(item.arguments, [`${param}.arguments`]),
                },
              },
            ],
          };
        case "function_call_output": {
          const output = await partsBlocks(item.output, `${param}.output`, media);
          const content: ToolResultContentBlock[] = [];
          for (const block of output) {
            if (block.text !== undefined) content.push({ text: block.text });
            else if (block.image) content.push({ image: block.image });
            else if (block.document) content.push({ document: block.document });
          }
          return {
            role: "user",
            content: [
              { toolResult: { toolUseId: item.call_id, content: content.length ? content : [{ text: "" }] } },
            ],
          };
        }
        case "reasoning": {
          const block = reasoningBlock(item);
          return block ? { role: "assistant", content: [block] } : undefined;
        }
      }
    }),
  );
  const messages = mergeSameRole(turns.filter((turn): turn is Message => turn !== undefined));
  return { messages, system };
}

/** The request's own input as placed items (a string is one user message); references still unresolved. */
export function placedInput(input: ResponsesRequest["input"]): { item: RequestItem; param: string }[] {
  if (input === undefined) return [];
  if (typeof input === "string")
    return [{ item: { type: "message", role: "user", content: input }, param: "input" }];
  return input.map((item, index) => ({ item, param: `input[${index}]` }));
}

type PromptRequest = InputTokensRequest &
  Partial<Pick<ResponsesRequest, "max_output_tokens" | "temperature" | "top_p">>;

function settingsOf(request: PromptRequest): ConverseSettings {
  const format = request.text?.format;
  const effort = request.reasoning?.effort;
  const choice = request.tool_choice;
  return {
    maxTokens: request.max_output_tokens ?? undefined,
    temperature: request.temperature,
    topP: request.top_p,
    // OpenAI's xhigh is above anything Bedrock's models take: it gets the highest level they do.
    reasoningEffort: effort === "xhigh" ? "high" : effort,
    format:
      format?.type === "json_schema"
        ? {
            type: "json_schema",
            json_schema: {
              name: format.name,
              schema: format.schema,
              ...(format.description ? { description: format.description } : {}),
            },
          }
        : format,
    tools: toolConfiguration(
      (request.tools ?? []).map((tool) => ({
        name: tool.name,
        description: tool.description ?? undefined,
        parameters: tool.parameters ?? undefined,
      })),
      typeof choice === "object" && choice !== null ? { name: choice.name } : choice,
    ),
    additional: {},
  };
}

/**
 * A Responses request → Converse input, through the same settings translation as chat completions.
 * `items` are what previous_response_id replays (the stored turns' input and output items, oldest first),
 * then the request's own input, item references resolved.
 */
export async function toResponsesConverseInput(
  request: PromptRequest,
  items: readonly PlacedItem[],
  modelId: string,
  media: MediaLoader,
): Promise<ConverseStreamCommandInput> {
  const { messages, system } = await toTurns(items, media);
  if (request.instructions?.trim()) system.unshift({ text: request.instructions });
  if (messages.length === 0) {
    throw invalidRequest("input must contain at least one user message or item.", "input");
  }
  return converseInput(modelId, messages, system, settingsOf(request));
}
