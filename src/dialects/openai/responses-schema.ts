import * as z from "zod";

/** Content parts of input messages (what a caller writes) and of output messages passed back. */
const inputText = z.object({ type: z.literal("input_text"), text: z.string() });
const inputImage = z.object({
  type: z.literal("input_image"),
  image_url: z.string().min(1).nullish(),
  file_id: z.string().nullish(),
  detail: z.enum(["auto", "low", "high", "original"]).nullish(),
});
const inputFile = z.object({
  type: z.literal("input_file"),
  file_data: z.string().optional(),
  file_url: z.string().optional(),
  file_id: z.string().nullish(),
  filename: z.string().optional(),
});
const outputText = z.object({ type: z.literal("output_text"), text: z.string() });
const refusal = z.object({ type: z.literal("refusal"), refusal: z.string() });

const contentPart = z.discriminatedUnion("type", [inputText, inputImage, inputFile, outputText, refusal]);
export type ContentPart = z.infer<typeof contentPart>;

const messageItem = z.object({
  type: z.literal("message"),
  id: z.string().optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(contentPart)]),
  status: z.string().optional(),
});
const functionCallItem = z.object({
  type: z.literal("function_call"),
  id: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: z.string().optional(),
});
const functionCallOutputItem = z.object({
  type: z.literal("function_call_output"),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(z.discriminatedUnion("type", [inputText, inputImage, inputFile]))]),
  status: z.string().nullish(),
});
const reasoningItem = z.object({
  type: z.literal("reasoning"),
  id: z.string().optional(),
  summary: z.array(z.object({ type: z.literal("summary_text"), text: z.string() })),
  content: z.array(z.object({ type: z.literal("reasoning_text"), text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
  status: z.string().optional(),
});

/** An earlier item, by id, from a stored response of the same caller. */
const itemReference = z.object({ type: z.literal("item_reference"), id: z.string().min(1) });

/** Every other item type is OpenAI-hosted (built-in tools' calls and their outputs). */
const supportedItemTypes = new Set([
  "message",
  "function_call",
  "function_call_output",
  "reasoning",
  "item_reference",
]);

const inputItem = z.preprocess(
  // "Easy" input messages ({role, content}) omit the type.
  (value) =>
    typeof value === "object" && value !== null && !("type" in value) && "role" in value
      ? { ...value, type: "message" }
      : value,
  z
    .looseObject({ type: z.string() })
    .superRefine((item, ctx) => {
      if (!supportedItemTypes.has(item.type)) {
        ctx.addIssue({
          code: "custom",
          path: ["type"],
          message: `input items of type "${item.type}" are not supported on Bedrock (supported: ${[...supportedItemTypes].join(", ")})`,
        });
      }
    })
    .pipe(
      z.discriminatedUnion("type", [
        messageItem,
        functionCallItem,
        functionCallOutputItem,
        reasoningItem,
        itemReference,
      ]),
    ),
);
export type RequestItem = z.infer<typeof inputItem>;
/** An input item once item references are resolved. */
export type InputItem = Exclude<RequestItem, { type: "item_reference" }>;

const functionTool = z.object({
  type: z.literal("function"),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
export type FunctionTool = z.infer<typeof functionTool>;

const tool = z
  .looseObject({ type: z.string() })
  .superRefine((value, ctx) => {
    if (value.type !== "function") {
      ctx.addIssue({
        code: "custom",
        path: ["type"],
        message: `the built-in tool "${value.type}" is not supported on Bedrock; only function tools are`,
      });
    }
  })
  .pipe(functionTool);

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), name: z.string().min(1) }),
]);

const textFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    name: z.string().min(1),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
  }),
]);

const refuse = (message: string) => z.unknown().refine(() => false, { message });

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem)]).optional(),
  instructions: z.string().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z
    .looseObject({ format: textFormat.nullish(), verbosity: z.enum(["low", "medium", "high"]).nullish() })
    .nullish(),
  reasoning: z
    .looseObject({
      effort: z.enum(["none", "minimal", "low", "medium", "high", "xhigh"]).nullish(),
      summary: z.enum(["auto", "concise", "detailed"]).nullish(),
      generate_summary: z.enum(["auto", "concise", "detailed"]).nullish(),
    })
    .nullish(),
  metadata: z.record(z.string(), z.string().max(512)).nullish(),
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  include: z.array(z.string()).nullish(),
  truncation: z
    .enum(["disabled", "auto"])
    .nullish()
    .refine((value) => value !== "auto", {
      message: 'only "disabled" is supported: Bedrock does not drop turns to fit the context window',
    }),
  background: z
    .boolean()
    .nullish()
    .refine((value) => value !== true, {
      message: "background responses are not supported; send the request without background",
    }),
  conversation: refuse("conversations are not supported; continue with previous_response_id").optional(),
  prompt: refuse("reusable prompts are not supported; send instructions and input").optional(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** POST /v1/responses/input_tokens: the fields that make up a prompt. */
export const inputTokensRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem)]).optional(),
  instructions: z.string().nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  text: responsesRequestSchema.shape.text,
  reasoning: responsesRequestSchema.shape.reasoning,
  previous_response_id: z.string().min(1).nullish(),
});
export type InputTokensRequest = z.infer<typeof inputTokensRequestSchema>;
