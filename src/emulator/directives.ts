/**
 * Directives let a test steer the emulated model from inside an ordinary prompt, so the gateway under
 * test needs no special hooks: `@@throttle`, `@@tool:get_weather:{"city":"Paris"}`, and so on, anywhere
 * in the text of the last user message. They are removed from the text the model echoes back.
 * Unknown `@@words` are left alone (they are just text).
 */

export type StopReasonOverride = "max_tokens" | "guardrail_intervened" | "stop_sequence";

export interface ToolCallDirective {
  name: string;
  input: unknown;
}

export interface Directives {
  /** `@@throttle`: 429 ThrottlingException with `retry-after: 3`. */
  throttle: boolean;
  /** `@@error:<ExceptionName>`: fail with that exception and its real status. */
  error?: string;
  /** `@@stall:<ms>`: wait this long before answering anything. */
  stallMs?: number;
  /** `@@slow:<ms>`: in streams, wait this long between events. */
  slowMs?: number;
  /** `@@tool:<name>:<json>`: answer with these tool calls (several = parallel calls). */
  tools: ToolCallDirective[];
  /** `@@reason`: a reasoning block before the text. */
  reason: boolean;
  /** `@@redact`: a redacted reasoning block (opaque bytes) before the text. */
  redact: boolean;
  /** `@@midstream:<ExceptionName>`: streams fail with that exception after a couple of deltas. */
  midstream?: string;
  /** `@@maxtokens`, `@@guardrail`, `@@stopseq`. */
  stopReason?: StopReasonOverride;
  /** `@@cache`: usage reports prompt-cache reads and writes. */
  cache: boolean;
  /** `@@deltas:<n>`: stream the text in exactly n deltas. */
  deltas?: number;
}

export class DirectiveError extends Error {}

type ArgumentKind = "none" | "integer" | "exceptionName" | "toolCall";

interface DirectiveSpec {
  argument: ArgumentKind;
  apply(directives: Directives, value: unknown): void;
}

/** The directive table: name → how its argument is read and what it sets. */
const DIRECTIVES: Record<string, DirectiveSpec> = {
  throttle: { argument: "none", apply: (d) => (d.throttle = true) },
  error: { argument: "exceptionName", apply: (d, v) => (d.error = v as string) },
  stall: { argument: "integer", apply: (d, v) => (d.stallMs = v as number) },
  slow: { argument: "integer", apply: (d, v) => (d.slowMs = v as number) },
  tool: { argument: "toolCall", apply: (d, v) => d.tools.push(v as ToolCallDirective) },
  reason: { argument: "none", apply: (d) => (d.reason = true) },
  redact: { argument: "none", apply: (d) => (d.redact = true) },
  midstream: { argument: "exceptionName", apply: (d, v) => (d.midstream = v as string) },
  maxtokens: { argument: "none", apply: (d) => (d.stopReason = "max_tokens") },
  guardrail: { argument: "none", apply: (d) => (d.stopReason = "guardrail_intervened") },
  stopseq: { argument: "none", apply: (d) => (d.stopReason = "stop_sequence") },
  cache: { argument: "none", apply: (d) => (d.cache = true) },
  deltas: { argument: "integer", apply: (d, v) => (d.deltas = v as number) },
};

export function noDirectives(): Directives {
  return { throttle: false, tools: [], reason: false, redact: false, cache: false };
}

/** Reads one argument starting at `text[at]`; returns the value and the index just past it. */
type ArgumentReader = (text: string, at: number, directive: string) => [unknown, number];

const readers: Record<Exclude<ArgumentKind, "none">, ArgumentReader> = {
  integer(text, at, directive) {
    const m = /^\d{1,9}/.exec(text.slice(at));
    if (!m) throw new DirectiveError(`@@${directive} needs a whole number, as in @@${directive}:100`);
    return [Number(m[0]), at + m[0].length];
  },
  exceptionName(text, at, directive) {
    const m = /^[A-Za-z][A-Za-z0-9_]*/.exec(text.slice(at));
    if (!m)
      throw new DirectiveError(
        `@@${directive} needs an exception name, as in @@${directive}:ThrottlingException`,
      );
    return [m[0], at + m[0].length];
  },
  toolCall(text, at) {
    // Bedrock tool names match ^[a-zA-Z0-9_-]{1,64}$.
    const m = /^([A-Za-z0-9_-]{1,64}):/.exec(text.slice(at));
    if (!m)
      throw new DirectiveError(
        '@@tool needs a name and JSON input, as in @@tool:get_weather:{"city":"Paris"}',
      );
    const start = at + m[0].length;
    const end = endOfJson(text, start);
    const source = text.slice(start, end);
    try {
      return [{ name: m[1], input: JSON.parse(source) }, end];
    } catch {
      throw new DirectiveError(`@@tool:${m[1]} input is not valid JSON: ${source}`);
    }
  },
};

/**
 * Finds where a JSON value starting at `start` ends. Objects and arrays may contain spaces, so we
 * track nesting and strings; any other value runs to the next whitespace.
 */
function endOfJson(text: string, start: number): number {
  const first = text[start];
  if (first !== "{" && first !== "[") {
    const ws = text.slice(start).search(/\s/);
    return ws < 0 ? text.length : start + ws;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length; // unbalanced: let JSON.parse report it
}

const DIRECTIVE_START = /@@([a-z]+)/g;

/**
 * Extracts the directives from `text` into `into` and returns the text without them.
 * Throws DirectiveError for a known directive with a malformed argument.
 */
export function extractDirectives(text: string, into: Directives): string {
  let kept = "";
  let copiedUpTo = 0;
  DIRECTIVE_START.lastIndex = 0;
  for (let m = DIRECTIVE_START.exec(text); m; m = DIRECTIVE_START.exec(text)) {
    const name = m[1] ?? "";
    const spec = DIRECTIVES[name];
    if (!spec) continue;
    let end = m.index + m[0].length;
    let value: unknown;
    if (spec.argument !== "none") {
      if (text[end] !== ":") throw new DirectiveError(`@@${name} needs an argument after ':'`);
      [value, end] = readers[spec.argument](text, end + 1, name);
    }
    spec.apply(into, value);
    kept += text.slice(copiedUpTo, m.index);
    copiedUpTo = end;
    DIRECTIVE_START.lastIndex = end;
  }
  return kept + text.slice(copiedUpTo);
}

/** Parses all directives of several text blocks; returns them and the cleaned, space-normalised text. */
export function parseDirectives(texts: readonly string[]): { directives: Directives; text: string } {
  const directives = noDirectives();
  const cleaned = texts.map((t) => extractDirectives(t, directives));
  return { directives, text: cleaned.join(" ").replace(/\s+/g, " ").trim() };
}
