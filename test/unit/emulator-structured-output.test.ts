import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { EmulatedError } from "../../src/emulator/exceptions.js";
import { minimalInstance, structuredOutputText } from "../../src/emulator/structured-output.js";

const ajv = new Ajv2020({ strict: false });
addFormats.default(ajv);

const schemas: [string, Record<string, unknown>][] = [
  [
    "nested objects, required only",
    {
      type: "object",
      properties: {
        name: { type: "string" },
        age: { type: "integer", minimum: 18 },
        nickname: { type: "string" },
        address: {
          type: "object",
          properties: { city: { type: "string", minLength: 3 }, zip: { type: "string", pattern: "^x+$" } },
          required: ["city", "zip"],
          additionalProperties: false,
        },
      },
      required: ["name", "age", "address"],
      additionalProperties: false,
    },
  ],
  [
    "enum and const",
    {
      type: "object",
      properties: { mood: { enum: ["happy", "sad"] }, v: { const: 2 } },
      required: ["mood", "v"],
    },
  ],
  ["arrays with minItems", { type: "array", items: { type: "number", exclusiveMinimum: 5 }, minItems: 2 }],
  ["tuples", { type: "array", prefixItems: [{ type: "string" }, { type: "boolean" }], minItems: 2 }],
  [
    "anyOf: the first branch",
    { anyOf: [{ type: "object", properties: { a: { type: "null" } }, required: ["a"] }, { type: "string" }] },
  ],
  ["nullable types", { type: ["null", "integer"], maximum: -3 }],
  [
    "formats",
    {
      type: "object",
      properties: { at: { type: "string", format: "date-time" }, mail: { type: "string", format: "email" } },
      required: ["at", "mail"],
    },
  ],
  [
    "$ref into $defs, recursive but optional",
    {
      type: "object",
      properties: { root: { $ref: "#/$defs/node" } },
      required: ["root"],
      $defs: {
        node: {
          type: "object",
          properties: {
            label: { type: "string" },
            children: { type: "array", items: { $ref: "#/$defs/node" } },
          },
          required: ["label", "children"],
        },
      },
    },
  ],
  [
    "allOf merged",
    {
      allOf: [
        { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
        { properties: { b: { type: "integer" } }, required: ["b"] },
      ],
    },
  ],
];

describe("minimalInstance", () => {
  it.each(schemas)("%s: the instance validates against the schema", (_name, schema) => {
    const instance = minimalInstance(schema);
    const validate = ajv.compile(schema);
    expect(validate(instance), JSON.stringify(validate.errors)).toBe(true);
  });

  it("fills required properties only, and enums with their first value", () => {
    expect(minimalInstance(schemas[1]?.[1])).toEqual({ mood: "happy", v: 2 });
    expect(minimalInstance(schemas[0]?.[1])).toEqual({
      name: "x",
      age: 18,
      address: { city: "xxx", zip: "x" },
    });
  });
});

describe("structuredOutputText", () => {
  const request = (schema: string) => ({
    outputConfig: { textFormat: { type: "json_schema", structure: { jsonSchema: { schema, name: "r" } } } },
  });

  it("answers JSON text for a json_schema text format, nothing otherwise", () => {
    expect(
      structuredOutputText(
        request('{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}'),
      ),
    ).toBe('{"ok":false}');
    expect(structuredOutputText({})).toBeUndefined();
  });

  it("refuses a schema that is not JSON, or loops without end, as a ValidationException", () => {
    expect(() => structuredOutputText(request("{not json"))).toThrow(EmulatedError);
    const loop =
      '{"$ref":"#/$defs/a","$defs":{"a":{"type":"object","properties":{"b":{"$ref":"#/$defs/a"}},"required":["b"]}}}';
    expect(() => structuredOutputText(request(loop))).toThrow(/recurses/);
  });
});
