import { invalidRequest } from "../errors.js";

/** Bedrock's own limit on a model identifier (a model id, an inference profile id or an ARN). */
const maxModelIdLength = 2048;

/**
 * An unpaired UTF-16 surrogate (JSON's `"\ud800"` parses to one) cannot be percent-encoded into the
 * `/model/{modelId}/…` path, and a control character has no place in a model id or a log line.
 * In a `u` regex a surrogate pair is one code point, so `\p{Cs}` matches only the unpaired halves.
 */
const unusable = /[\p{Cs}\p{Cc}]/u;

/**
 * Refuses a model name no Bedrock id could be, with a 400 naming the field: every route checks the name
 * here, where it resolves it, before anything encodes it into a path. The name is not echoed: the
 * character at fault would not survive the trip back either.
 */
export function checkModelName(name: string, param = "model"): string {
  if (unusable.test(name)) {
    throw invalidRequest(
      `${param} contains a character no model id can hold (an unpaired UTF-16 surrogate or a control character).`,
      param,
    );
  }
  if (name.length > maxModelIdLength) {
    throw invalidRequest(
      `${param} is longer than the ${maxModelIdLength} characters of a Bedrock model id.`,
      param,
    );
  }
  return name;
}
