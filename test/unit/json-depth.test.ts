import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors.js";
import { checkJsonDepth, MAX_JSON_DEPTH, tooDeep } from "../../src/http/json-depth.js";

/** `levels` arrays, one inside the next, built without recursion. */
function nestedArrays(levels: number): unknown[] {
  const root: unknown[] = [];
  let at = root;
  for (let level = 1; level < levels; level++) {
    const next: unknown[] = [];
    at.push(next);
    at = next;
  }
  return root;
}

describe("tooDeep", () => {
  it("counts the root as level 1 and finds the path to the first value too deep", () => {
    expect(tooDeep({ a: [1, "x"] }, 2)).toBeUndefined();
    expect(tooDeep({ a: [1, { b: 2 }] }, 2)).toEqual(["a", 1]);
    expect(tooDeep("text", 1)).toBeUndefined();
    expect(tooDeep(nestedArrays(MAX_JSON_DEPTH))).toBeUndefined();
    expect(tooDeep(nestedArrays(MAX_JSON_DEPTH + 1))).toHaveLength(MAX_JSON_DEPTH);
  });

  it("walks a million levels without overflowing the stack (JSON.stringify cannot)", () => {
    const deep = nestedArrays(1_000_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(tooDeep(deep)).toHaveLength(MAX_JSON_DEPTH);
  });
});

describe("checkJsonDepth", () => {
  it("names the field, not its trailing array indices", () => {
    const error = (() => {
      try {
        checkJsonDepth({ top_k: nestedArrays(500) });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as GatewayError).param).toBe("top_k");
  });

  it("counts a value parsed from inside a field from that field's depth", () => {
    const at = ["messages", 0, "tool_calls", 0, "function", "arguments"];
    expect(() => checkJsonDepth(nestedArrays(MAX_JSON_DEPTH - at.length), at)).not.toThrow();
    expect(() => checkJsonDepth(nestedArrays(MAX_JSON_DEPTH - at.length + 1), at)).toThrow(
      /nested more than 100/,
    );
  });
});
