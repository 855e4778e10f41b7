import * as z from "zod";

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const imagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }),
});
const filePart = z.object({
  type: z.literal("file"),
  file: z.object({
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    filename: z.string().optional(),
    file_url: z.string().optional(),
  }),
});
const audioPart = z.object({ type: z.literal("input_audio"), input_audio: z.unknown() });
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() });

const userPart = z.discriminatedUnion("type", [textPart, imagePart, filePart, audioPart]);
export type UserPart = z.infer<typeof userPart>;

const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const systemMessage = z.object({
  role: z.enum(["system", "developer"]),
  content: z.union([z.string(), z.array(textPart)]),
  name: z.string().optional(),
});
const userMessage = z.object({
  role: z.literal("user"),
  content: z.union([z.string(), z.array(userPart)]),
  name: z.string().optional(),
});
const assistantMessage = z.object({
  role: z.literal("assistant"),
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [textPart, refusalPart]))]).nullish(),
  tool_calls: z.array(toolCall).nullish(),
  reasoning_content: z.string().nullish(),
  refusal: z.string().nullish(),
  name: z.string().optional(),
});
const toolMessage = z.object({
  role: z.literal("tool"),
  tool_call_id: z.string().min(1),
  content: z.union([z.string(), z.array(textPart)]),
});

export const chatMessage = z.discriminatedUnion("role", [
  systemMessage,
  userMessage,
  assistantMessage,
  toolMessage,
]);
export type ChatMessage = z.infer<typeof chatMessage>;

const functionTool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) }),
]);

const responseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

export const chatRequestSchema = z
  .looseObject({
    model: z.string().min(1),
    messages: z.array(chatMessage).min(1, "must contain at least one message"),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    n: z.number().int().min(1).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    tools: z.array(functionTool).nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: responseFormat.nullish(),
    reasoning_effort: z.enum(["none", "minimal", "low", "medium", "high"]).nullish(),
    logprobs: z.boolean().nullish(),
    user: z.string().nullish(),
  })
  .superRefine((request, ctx) => {
    if ((request.n ?? 1) > 1) {
      ctx.addIssue({ code: "custom", path: ["n"], message: "only n=1 is supported by Bedrock" });
    }
    if (request.logprobs) {
      ctx.addIssue({
        code: "custom",
        path: ["logprobs"],
        message: "log probabilities are not available on Bedrock",
      });
    }
  });

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/**
 * OpenAI fields that have no Bedrock meaning but are harmless to drop (clients send them routinely).
 * Every other unknown top-level field is passed to the model as additionalModelRequestFields (e.g. top_k).
 */
export const ignoredOpenAiFields = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "n",
  "stop",
  "stream",
  "stream_options",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "reasoning_effort",
  "logprobs",
  "top_logprobs",
  "user",
  "seed",
  "metadata",
  "store",
  "service_tier",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
  "modalities",
  "prediction",
  "safety_identifier",
  "prompt_cache_key",
  "verbosity",
  "functions",
  "function_call",
]);
