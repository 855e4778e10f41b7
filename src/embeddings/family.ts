import type * as z from "zod";

/** What one model family accepts, checked before any Bedrock call so a caller gets a 400 naming the field. */
export interface EmbeddingLimits {
  /** Texts one InvokeModel call embeds: Titan and Nova take one, Cohere a batch. */
  textsPerCall: number;
  /** Longest text in characters, where the model documents one (Bedrock itself still enforces tokens). */
  maxTextChars?: number;
  /** Values `dimensions` may take; the first is the model's default. */
  dimensions: readonly number[];
}

/** Vectors from one InvokeModel answer, in the order of the texts sent. */
export interface ParsedEmbeddings {
  vectors: number[][];
  /** When the body reports the tokens read (Titan); otherwise Bedrock's token-count header is used. */
  inputTokens?: number;
}

/**
 * One family of Bedrock embedding models: which ids it serves, its limits, the InvokeModel body it reads
 * and the body it answers. Each family lives in its own file and is listed in families.ts.
 */
export interface EmbeddingFamily<Options extends object = object> {
  /** Human name, for errors and documentation. */
  readonly name: string;
  /** Whether this family serves a base model id (ARN and cross-region prefix already removed, see model-id.ts). */
  matches(baseModelId: string): boolean;
  readonly limits: EmbeddingLimits;
  /** The request fields beyond OpenAI's that this family accepts (e.g. Cohere's input_type); unknown ones are refused. */
  readonly options: z.ZodType<Options>;
  /** The InvokeModel body for one call. `dimensions` is undefined when the caller left the model's default. */
  requestBody(texts: string[], dimensions: number | undefined, options: Options): unknown;
  /** Reads the model's answer to one call; throws when it has an unexpected shape. */
  parseResponse(body: unknown, options: Options): ParsedEmbeddings;
}
