import type { InferenceConfiguration } from "@aws-sdk/client-bedrock-runtime";
import { invalidRequest } from "../errors.js";

export type ReasoningEffort = "minimal" | "low" | "medium" | "high";

/** Thinking budgets for models that take a token budget (Anthropic Claude). */
const budgetOfEffort: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
};

/** Claude refuses a budget below this. */
const minimumBudget = 1024;

/**
 * The model-specific request fields that turn reasoning on. Claude takes a token budget (and
 * max_tokens must exceed it), Amazon Nova an effort level, OpenAI's open-weight models the OpenAI field.
 * May adjust `inference` (max tokens, temperature) to what the model requires when reasoning.
 */
export function reasoningFields(
  modelId: string,
  effort: ReasoningEffort,
  inference: InferenceConfiguration,
): Record<string, unknown> {
  const id = modelId.toLowerCase();
  if (id.includes("anthropic.claude")) {
    let budget = budgetOfEffort[effort];
    if (inference.maxTokens !== undefined) {
      if (inference.maxTokens <= minimumBudget) {
        throw invalidRequest(
          `With reasoning_effort, max_tokens must be above ${minimumBudget} for this model.`,
          "max_tokens",
        );
      }
      budget = Math.min(budget, inference.maxTokens - 1);
    } else {
      inference.maxTokens = budget + 8192;
    }
    // Claude only reasons at temperature 1 and without top_p.
    delete inference.temperature;
    delete inference.topP;
    return { thinking: { type: "enabled", budget_tokens: budget } };
  }
  if (id.includes("amazon.nova")) {
    return {
      reasoningConfig: { type: "enabled", maxReasoningEffort: effort === "minimal" ? "low" : effort },
    };
  }
  return { reasoning_effort: effort };
}
