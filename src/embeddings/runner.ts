import * as z from "zod";
import { mapBedrockError } from "../bedrock/errors.js";
import type { BedrockRuntime } from "../bedrock/transport.js";
import { GatewayError } from "../errors.js";
import type { Limiter } from "../fetch/limiter.js";
import { fieldPath } from "../http/validate.js";
import type { Exchange } from "../observability/exchange.js";
import { mapBounded } from "./bounded-map.js";
import type { EmbeddingCalls } from "./prepare.js";

export interface Embeddings {
  /** One vector per text, in the order of the texts. */
  vectors: number[][];
  /** Tokens Bedrock read, summed over the calls. */
  inputTokens: number;
}

function unexpectedAnswer(family: string, detail: string): GatewayError {
  return new GatewayError("upstream", `Bedrock answered ${family} in an unexpected shape: ${detail}`, {
    code: "upstream_error",
  });
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    return issue ? `${fieldPath(issue.path) || "body"}: ${issue.message}` : "invalid";
  }
  return (error as Error).message;
}

/**
 * Makes the InvokeModel calls of a request, at most `concurrency` at once, and puts the vectors back
 * in the order of the texts. Each call also takes a slot of `gatewaySlots`, shared by every request (calls
 * of all requests queue there in arrival order); a call still waiting for one when the request is aborted
 * leaves the queue. The first failed call fails the request and aborts the calls still running.
 */
export async function runEmbeddingCalls(
  bedrock: BedrockRuntime,
  modelId: string,
  calls: EmbeddingCalls,
  concurrency: number,
  gatewaySlots: Limiter,
  signal: AbortSignal,
  exchange?: Exchange,
): Promise<Embeddings> {
  const { family } = calls;
  const answers = await mapBounded(calls.batches, concurrency, signal, async (texts, callSignal) => {
    const invoke = () =>
      bedrock.invokeModel({ modelId, body: JSON.stringify(calls.requestBody(texts)) }, callSignal, exchange);
    const result = await gatewaySlots(invoke, callSignal).catch((error: unknown) => {
      throw mapBedrockError(error);
    });
    let parsed: ReturnType<EmbeddingCalls["parseResponse"]>;
    try {
      parsed = calls.parseResponse(JSON.parse(Buffer.from(result.body).toString("utf8")));
    } catch (error) {
      throw unexpectedAnswer(family.name, describe(error));
    }
    if (parsed.vectors.length !== texts.length) {
      throw unexpectedAnswer(family.name, `${parsed.vectors.length} vectors for ${texts.length} texts`);
    }
    return { vectors: parsed.vectors, inputTokens: parsed.inputTokens ?? result.inputTokenCount ?? 0 };
  });
  return {
    vectors: answers.flatMap((answer) => answer.vectors),
    inputTokens: answers.reduce((sum, answer) => sum + answer.inputTokens, 0),
  };
}
