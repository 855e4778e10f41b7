import * as z from "zod";

const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? "Field required" : `must be ${what}`;

/** Anthropic accepts a string wherever it accepts a list of text blocks; this makes them one shape. */
const stringAsTextBlocks = <T extends z.ZodType>(list: T) =>
  z.preprocess((value) => (typeof value === "string" ? [{ type: "text", text: value }] : value), list);

const cacheControl = z
  .object({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() })
  .nullish();
export type CacheControl = z.infer<typeof cacheControl>;

const textBlock = z.object({
  type: z.literal("text"),
  text: z.string(),
  cache_control: cacheControl,
  citations: z.unknown().optional(),
});

const imageSource = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("base64"),
    media_type: z.enum(["image/jpeg", "image/png", "image/gif", "image/webp"]),
    data: z.string().min(1),
  }),
  z.object({ type: z.literal("url"), url: z.string().min(1) }),
  z.object({ type: z.literal("file"), file_id: z.string() }),
]);
const imageBlock = z.object({ type: z.literal("image"), source: imageSource, cache_control: cacheControl });

const documentSource = z.discriminatedUnion("type", [
  z.object({ type: z.literal("base64"), media_type: z.literal("application/pdf"), data: z.string().min(1) }),
  z.object({ type: z.literal("text"), media_type: z.literal("text/plain"), data: z.string() }),
  z.object({
    type: z.literal("content"),
    content: stringAsTextBlocks(z.array(z.discriminatedUnion("type", [textBlock, imageBlock]))),
  }),
  z.object({ type: z.literal("url"), url: z.string().min(1) }),
  z.object({ type: z.literal("file"), file_id: z.string() }),
]);
const documentBlock = z.object({
  type: z.literal("document"),
  source: documentSource,
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.unknown().optional(),
  cache_control: cacheControl,
});

const thinkingBlock = z.object({
  type: z.literal("thinking"),
  thinking: z.string(),
  signature: z.string(),
});
const redactedThinkingBlock = z.object({ type: z.literal("redacted_thinking"), data: z.string().min(1) });

const toolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

const toolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: stringAsTextBlocks(
    z.array(z.discriminatedUnion("type", [textBlock, imageBlock, documentBlock])),
  ).optional(),
  is_error: z.boolean().nullish(),
  cache_control: cacheControl,
});

const contentBlock = z.discriminatedUnion("type", [
  textBlock,
  imageBlock,
  documentBlock,
  thinkingBlock,
  redactedThinkingBlock,
  toolUseBlock,
  toolResultBlock,
]);
export type ContentBlockParam = z.infer<typeof contentBlock>;
export type ImageSource = z.infer<typeof imageSource>;
export type DocumentBlockParam = z.infer<typeof documentBlock>;

const turn = z.object({
  role: z.enum(["user", "assistant"]),
  content: stringAsTextBlocks(
    z.array(contentBlock, { error: "must be a string or an array of content blocks" }),
  ),
});

/** A mid-conversation system message (Claude Opus 4.8 and later on Anthropic's API): text only. */
const systemMessage = z.object({
  role: z.literal("system"),
  content: stringAsTextBlocks(z.array(textBlock, { error: "must be a string or an array of text blocks" })),
});
export type SystemMessageParam = z.infer<typeof systemMessage>;

const message = z.discriminatedUnion("role", [turn, systemMessage], {
  error: "must be user, assistant or system",
});
export type MessageParam = z.infer<typeof message>;

const tool = z.object({
  type: z
    .literal("custom", {
      error: "only custom tools (name, description, input_schema) can run on Bedrock through this gateway",
    })
    .nullish(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal("object") }),
  strict: z.boolean().optional(),
  cache_control: cacheControl,
});
export type ToolParam = z.infer<typeof tool>;

const toolChoice = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({
    type: z.literal("tool"),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.object({ type: z.literal("none") }),
]);

const thinking = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("enabled"),
    budget_tokens: z.number().int().min(1024, "must be at least 1024"),
    display: z.enum(["summarized", "omitted"]).nullish(),
  }),
  z.object({ type: z.literal("adaptive"), display: z.enum(["summarized", "omitted"]).nullish() }),
  z.object({ type: z.literal("disabled") }),
]);

const outputConfig = z.object({
  effort: z.enum(["low", "medium", "high", "xhigh", "max"]).nullish(),
  format: z.object({ type: z.literal("json_schema"), schema: z.record(z.string(), z.unknown()) }).nullish(),
});

/** The fields Messages and count_tokens share. Unknown top-level fields are accepted and ignored. */
const conversationFields = {
  model: z.string({ error: required("a model name") }).min(1, "must not be empty"),
  messages: z.array(message, { error: required("an array of messages") }).min(1, "must not be empty"),
  system: stringAsTextBlocks(
    z.array(textBlock, { error: "must be a string or an array of text blocks" }),
  ).optional(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  thinking: thinking.nullish(),
  cache_control: cacheControl,
  output_config: outputConfig.nullish(),
};

export const messagesRequestSchema = z.looseObject({
  ...conversationFields,
  max_tokens: z
    .number({ error: required("a whole number") })
    .int("must be a whole number")
    .positive(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  stream: z.boolean().nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
});
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const countTokensRequestSchema = z.looseObject(conversationFields);
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;
