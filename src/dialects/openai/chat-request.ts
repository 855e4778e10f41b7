import type {
  ContentBlock,
  ConverseStreamCommandInput,
  InferenceConfiguration,
  Message,
  SystemContentBlock,
  Tool,
  ToolChoice,
} from "@aws-sdk/client-bedrock-runtime";
import type { DocumentType } from "@smithy/types";
import { reasoningFields } from "../../bedrock/reasoning.js";
import { mergeSameRole } from "../../bedrock/turns.js";
import { invalidRequest } from "../../errors.js";
import { fieldPath } from "../../http/field-path.js";
import { checkJsonDepth } from "../../http/json-depth.js";
import { documentName } from "../../media/formats.js";
import type { MediaLoader } from "../../media/types.js";
import { type ChatMessage, type ChatRequest, ignoredOpenAiFields, type UserPart } from "./chat-schema.js";

/** JSON values as the SDK types them. */
type Document = Record<string, DocumentType>;

function textOf(content: string | { text: string }[]): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

/** `at` is the path of the arguments field; their nesting counts from there, as if they were in the body. */
export function parseToolArguments(text: string, at: (string | number)[]): Document {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // the error below
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest("Tool call arguments must be a JSON object encoded as a string.", fieldPath(at));
  }
  // They go back to Bedrock through JSON.stringify, which recurses.
  checkJsonDepth(parsed, at);
  return parsed as Document;
}

/** An image (data: URL or a URL fetched through the guarded loader) as a Converse block. */
export async function imageBlock(url: string, param: string, media: MediaLoader): Promise<ContentBlock> {
  const loaded = await media.load(url, "image", param);
  if (loaded.kind !== "image") throw invalidRequest("Expected an image.", param);
  return { image: { format: loaded.format, source: { bytes: loaded.bytes } } };
}

/** A file given inline (`file_data`) or by URL (`file_url`) as a Converse document (or image) block. */
export async function fileBlock(
  file: { file_data?: string | undefined; file_url?: string | undefined; filename?: string | undefined },
  index: number,
  param: string,
  media: MediaLoader,
): Promise<ContentBlock> {
  const url = file.file_data ?? file.file_url;
  if (!url) {
    throw invalidRequest(
      "Uploaded file ids are not supported; send the file as file_data (a base64 data URL).",
      param,
    );
  }
  const field = file.file_data ? "file_data" : "file_url";
  const loaded = await media.load(url, "document", `${param}.${field}`);
  if (loaded.kind === "image") return { image: { format: loaded.format, source: { bytes: loaded.bytes } } };
  return {
    document: {
      format: loaded.format,
      name: documentName(file.filename, index),
      source: { bytes: loaded.bytes },
    },
  };
}

async function userBlocks(
  content: string | UserPart[],
  param: string,
  media: MediaLoader,
): Promise<ContentBlock[]> {
  if (typeof content === "string") return [{ text: content }];
  return Promise.all(
    content.map(async (part, index): Promise<ContentBlock> => {
      const at = `${param}[${index}]`;
      switch (part.type) {
        case "text":
          return { text: part.text };
        case "image_url":
          return imageBlock(part.image_url.url, `${at}.image_url.url`, media);
        case "file":
          return fileBlock(part.file, index, `${at}.file`, media);
        case "input_audio":
          throw invalidRequest("Audio input is not supported by the Bedrock Converse API.", at);
      }
    }),
  );
}

type SystemMessage = Extract<ChatMessage, { role: "system" | "developer" }>;
type TurnMessage = Exclude<ChatMessage, SystemMessage>;
const isSystem = (message: ChatMessage): message is SystemMessage =>
  message.role === "system" || message.role === "developer";

async function toConverseMessage(
  message: TurnMessage,
  at: (string | number)[],
  media: MediaLoader,
): Promise<Message> {
  const param = fieldPath(at);
  switch (message.role) {
    case "user":
      return { role: "user", content: await userBlocks(message.content, `${param}.content`, media) };
    case "tool":
      return {
        role: "user",
        content: [
          { toolResult: { toolUseId: message.tool_call_id, content: [{ text: textOf(message.content) }] } },
        ],
      };
    case "assistant": {
      const content: ContentBlock[] = [];
      const text =
        typeof message.content === "string"
          ? message.content
          : (message.content ?? []).map((part) => (part.type === "text" ? part.text : part.refusal)).join("");
      // Bedrock rejects blank text blocks, and assistants that only call tools often send "".
      if (text.trim() !== "") content.push({ text });
      for (const [index, call] of (message.tool_calls ?? []).entries()) {
        content.push({
          toolUse: {
            toolUseId: call.id,
            name: call.function.name,
            input: parseToolArguments(call.function.arguments, [
              ...at,
              "tool_calls",
              index,
              "function",
              "arguments",
            ]),
          },
        });
      }
      if (content.length === 0) content.push({ text: "(empty)" });
      return { role: "assistant", content };
    }
  }
}

/** A function tool as both dialects of OpenAI describe it. */
export interface FunctionToolSpec {
  name: string;
  description?: string | undefined;
  parameters?: Record<string, unknown> | undefined;
}

export type FunctionToolChoice = "none" | "auto" | "required" | { name: string } | null | undefined;

/** Function tools and the caller's tool choice → Converse toolConfig (undefined: no tools, or "none"). */
export function toolConfiguration(
  tools: readonly FunctionToolSpec[],
  choice: FunctionToolChoice,
): { tools: Tool[]; toolChoice?: ToolChoice } | undefined {
  if (tools.length === 0 || choice === "none") return undefined;
  const converseTools = tools.map(
    (tool) =>
      ({
        toolSpec: {
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          inputSchema: { json: (tool.parameters ?? { type: "object", properties: {} }) as Document },
        },
      }) as Tool,
  );
  if (choice === undefined || choice === null || choice === "auto") return { tools: converseTools };
  if (choice === "required") return { tools: converseTools, toolChoice: { any: {} } };
  if (!tools.some((tool) => tool.name === choice.name)) {
    throw invalidRequest(`tool_choice names "${choice.name}", which is not in tools.`, "tool_choice");
  }
  return { tools: converseTools, toolChoice: { tool: { name: choice.name } } };
}

function toolSettings(request: ChatRequest): { tools: Tool[]; toolChoice?: ToolChoice } | undefined {
  const choice = request.tool_choice;
  return toolConfiguration(
    (request.tools ?? []).map((tool) => tool.function),
    typeof choice === "object" && choice !== null ? { name: choice.function.name } : choice,
  );
}

function passThroughFields(request: ChatRequest): Document {
  const extra: Document = {};
  for (const [key, value] of Object.entries(request)) {
    if (!ignoredOpenAiFields.has(key) && value !== undefined) extra[key] = value as DocumentType;
  }
  return extra;
}

const jsonObjectInstruction =
  "Respond only with a single valid JSON object. Do not wrap it in Markdown or add any text around it.";

/**
 * OpenAI chat request → Converse input (the same shape serves Converse and ConverseStream).
 * `modelId` is the Bedrock id the caller's model name resolved to.
 */
export async function toConverseInput(
  request: ChatRequest,
  modelId: string,
  media: MediaLoader,
): Promise<ConverseStreamCommandInput> {
  const system: SystemContentBlock[] = [];
  const turns: Promise<Message>[] = [];
  request.messages.forEach((message, index) => {
    if (isSystem(message)) {
      const text = textOf(message.content);
      if (text.trim() !== "") system.push({ text });
      return;
    }
    turns.push(toConverseMessage(message, ["messages", index], media));
  });
  const messages = mergeSameRole(await Promise.all(turns));
  if (messages.length === 0) {
    throw invalidRequest("messages must contain at least one user or assistant message.", "messages");
  }

  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  return converseInput(modelId, messages, system, {
    maxTokens,
    temperature: request.temperature,
    topP: request.top_p,
    stop: request.stop,
    reasoningEffort: request.reasoning_effort,
    format: request.response_format,
    tools: toolSettings(request),
    additional: passThroughFields(request),
  });
}

/** Everything of a Converse call besides its turns, as both OpenAI dialects ask for it. */
export interface ConverseSettings {
  maxTokens?: number | undefined;
  temperature?: number | null | undefined;
  topP?: number | null | undefined;
  stop?: string | string[] | null | undefined;
  reasoningEffort?: ChatRequest["reasoning_effort"];
  format?: ChatRequest["response_format"];
  tools?: { tools: Tool[]; toolChoice?: ToolChoice } | undefined;
  additional: Document;
}

/** Turns, system text and settings → Converse input: inference settings, reasoning, structured output, tools. */
export function converseInput(
  modelId: string,
  messages: Message[],
  system: SystemContentBlock[],
  settings: ConverseSettings,
): ConverseStreamCommandInput {
  const inference: InferenceConfiguration = {};
  if (settings.maxTokens !== undefined) inference.maxTokens = settings.maxTokens;
  if (settings.temperature != null) inference.temperature = settings.temperature;
  if (settings.topP != null) inference.topP = settings.topP;
  if (settings.stop != null)
    inference.stopSequences = typeof settings.stop === "string" ? [settings.stop] : settings.stop;

  let additional = settings.additional;
  if (settings.reasoningEffort && settings.reasoningEffort !== "none") {
    additional = {
      ...additional,
      ...(reasoningFields(modelId, settings.reasoningEffort, inference) as Document),
    };
  }

  const input: ConverseStreamCommandInput = { modelId, messages };
  const format = settings.format;
  if (format?.type === "json_object") system.push({ text: jsonObjectInstruction });
  if (format?.type === "json_schema") {
    const schema = format.json_schema.schema ?? { type: "object" };
    input.outputConfig = {
      textFormat: {
        type: "json_schema",
        structure: {
          jsonSchema: {
            schema: JSON.stringify(schema),
            name: format.json_schema.name,
            ...(format.json_schema.description ? { description: format.json_schema.description } : {}),
          },
        },
      },
    };
  }
  if (system.length > 0) input.system = system;
  if (Object.keys(inference).length > 0) input.inferenceConfig = inference;
  if (settings.tools) input.toolConfig = settings.tools;
  if (Object.keys(additional).length > 0) input.additionalModelRequestFields = additional;
  return input;
}
