/**
 * InvokeModel speaks each model family's native body format, so the emulator answers it per family.
 * A family is one file in this folder implementing InvokeFamily, listed in families.ts.
 */

export interface InvokeInput {
  /** The request body parsed as JSON (undefined when it is not JSON). */
  body: unknown;
  rawBody: Buffer;
  /** The catalogue model id the caller's identifier resolved to (profile prefix and ARN removed). */
  modelId: string;
  /** promptText() with directives removed, whitespace normalised. */
  prompt: string;
}

export interface InvokeOutput {
  /** Serialised as JSON and returned as the InvokeModel body. */
  body: unknown;
  inputTokens: number;
  outputTokens: number;
}

export interface InvokeFamily {
  /** Human name, for error messages. */
  readonly name: string;
  /** Does this family answer the given catalogue model id? */
  matches(modelId: string): boolean;
  /**
   * The prompt text of a request (where @@throttle, @@error:<name> and @@stall:<ms> are honoured),
   * or undefined when the body is not something this family can read; invoke() then reports it.
   */
  promptText(body: unknown): string | undefined;
  /** Answers the request; throws EmulatedError (usually a ValidationException) for bad input. */
  invoke(input: InvokeInput): InvokeOutput;
}
