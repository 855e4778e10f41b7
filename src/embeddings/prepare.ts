import * as z from "zod";
import { invalidRequest } from "../errors.js";
import { fieldPath } from "../http/validate.js";
import type { EmbeddingFamily, ParsedEmbeddings } from "./family.js";

/** The calls one request needs, every limit already checked. */
export interface EmbeddingCalls {
  family: EmbeddingFamily;
  /** The texts grouped as the model takes them per call, in order. */
  batches: string[][];
  requestBody(texts: string[]): unknown;
  parseResponse(body: unknown): ParsedEmbeddings;
}

export interface EmbeddingRequest {
  texts: string[];
  /** The request field each text came from, for errors: "input" or "input[3]". */
  fieldOf(index: number): string;
  dimensions: number | undefined;
  /** Request fields beyond OpenAI's, for the family to accept or refuse. */
  extra: Record<string, unknown>;
}

/** Characters as people count them (code points), which is what Bedrock's character limits count. */
function characters(text: string, atLeast: number): number {
  // Code points never outnumber UTF-16 units, so short strings need no counting.
  return text.length <= atLeast ? text.length : [...text].length;
}

function checkOptions(family: EmbeddingFamily, extra: Record<string, unknown>): object {
  const result = family.options.safeParse(extra);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    const field = issue.keys[0] ?? "";
    throw invalidRequest(
      `'${field}' is not an OpenAI embeddings field, nor one that ${family.name} accepts${acceptedFields(family)}.`,
      field,
    );
  }
  const field = issue ? fieldPath(issue.path) : "";
  throw invalidRequest(`Invalid value for '${field}': ${issue?.message ?? "invalid value"}`, field || null);
}

function acceptedFields(family: EmbeddingFamily): string {
  const names = family.options instanceof z.ZodObject ? Object.keys(family.options.shape) : [];
  return names.length === 0 ? " (it takes none)" : ` (it takes ${names.join(", ")})`;
}

/** Checks a request against the family's limits and returns the calls to make; throws a 400 naming the field. */
export function prepareEmbeddingCalls(family: EmbeddingFamily, request: EmbeddingRequest): EmbeddingCalls {
  const { limits } = family;
  if (request.dimensions !== undefined && !limits.dimensions.includes(request.dimensions)) {
    throw invalidRequest(
      `${family.name} supports dimensions ${limits.dimensions.join(", ")}; got ${request.dimensions}.`,
      "dimensions",
    );
  }
  if (limits.maxTextChars !== undefined) {
    const max = limits.maxTextChars;
    request.texts.forEach((text, index) => {
      const length = characters(text, max);
      if (length > max) {
        throw invalidRequest(
          `${request.fieldOf(index)} is ${length} characters long; ${family.name} accepts at most ${max} per text.`,
          request.fieldOf(index),
        );
      }
    });
  }
  const options = checkOptions(family, request.extra);
  const batches: string[][] = [];
  for (let start = 0; start < request.texts.length; start += limits.textsPerCall) {
    batches.push(request.texts.slice(start, start + limits.textsPerCall));
  }
  return {
    family,
    batches,
    requestBody: (texts) => family.requestBody(texts, request.dimensions, options),
    parseResponse: (body) => family.parseResponse(body, options),
  };
}
