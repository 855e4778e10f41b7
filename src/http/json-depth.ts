import { invalidRequest } from "../errors.js";
import { fieldPath } from "./field-path.js";

/**
 * The deepest nesting of arrays and objects a request may carry, counted from the top of the body (the
 * body itself is level 1, `tools[0].function.parameters` is level 5). Free-form fields (JSON schemas, tool
 * inputs, fields passed through to the model) are re-serialised with JSON.stringify, which recurses and
 * overflows the stack somewhere past a few thousand levels; 100 is far above any real schema or tool input
 * and far below that.
 */
export const MAX_JSON_DEPTH = 100;

interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

function pathOf(frame: Frame): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Frame | undefined = frame; at?.parent; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * Whether anything in `root` is nested deeper than `limit`. Iterative (an explicit stack), so it cannot
 * overflow on the input it exists to refuse; two flat stacks and no object per container, since every
 * request body passes here; strings and numbers are never pushed.
 */
function exceeds(root: object, limit: number): boolean {
  const values: object[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const child: unknown = value[index];
        if (typeof child === "object" && child !== null) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in value) {
        const child: unknown = (value as Record<string, unknown>)[key];
        if (typeof child === "object" && child !== null) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** The same walk, keeping each container's parent, run only once a body is known to be too deep. */
function firstTooDeep(root: object, limit: number): (string | number)[] {
  const stack: Frame[] = [{ value: root, depth: 1, parent: undefined, key: "" }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    if (frame.depth > limit) return pathOf(frame);
    const { value, depth } = frame;
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((child, index) => [index, child])
      : Object.entries(value);
    for (const [key, child] of entries) {
      if (typeof child === "object" && child !== null) {
        stack.push({ value: child, depth: depth + 1, parent: frame, key });
      }
    }
  }
  return [];
}

/** The path to the first value nested deeper than `limit`, or undefined. */
export function tooDeep(root: unknown, limit: number = MAX_JSON_DEPTH): (string | number)[] | undefined {
  if (typeof root !== "object" || root === null || !exceeds(root, limit)) return undefined;
  return firstTooDeep(root, limit);
}

/**
 * The field to name for a path too deep: its first few steps, without the trailing array indices
 * (`top_k`, not `top_k[0][0][0]…`), so the error names the field rather than a hundred-step path.
 */
function fieldOf(path: (string | number)[]): string {
  const head = path.slice(0, 8);
  while (head.length > 1 && typeof head.at(-1) === "number") head.pop();
  return fieldPath(head);
}

/**
 * Refuses a value nested deeper than MAX_JSON_DEPTH with a 400 naming the field. `prefix` places a value
 * parsed from inside a field (tool call arguments) and counts its levels from there.
 */
export function checkJsonDepth(value: unknown, prefix: (string | number)[] = []): void {
  const path = tooDeep(value, MAX_JSON_DEPTH - prefix.length);
  if (!path) return;
  const field = fieldOf([...prefix, ...path]);
  throw invalidRequest(
    `'${field}' is nested more than ${MAX_JSON_DEPTH} levels deep (counted from the top of the request body); the gateway accepts at most ${MAX_JSON_DEPTH}.`,
    field,
  );
}
