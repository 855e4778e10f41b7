import { EmulatedError } from "./exceptions.js";

/**
 * Structured output (`outputConfig.textFormat` with a JSON schema): Bedrock guarantees an answer that
 * validates against the schema, so the emulator answers with the smallest instance it can build from it.
 * Enough of JSON Schema for what clients send (OpenAI `response_format: json_schema`, Anthropic
 * `output_config.format`, schemas from zod and Pydantic): `type` (or a list of types), `const`, `enum`,
 * required properties of objects, `minItems`/`prefixItems` of arrays, string and number bounds, common
 * string formats, `anyOf`/`oneOf` (first branch), `allOf` (merged), `$ref` into `$defs`/`definitions`.
 */

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Refs may loop (a tree of nodes); an optional branch ends the loop, a required one would never end. */
const maxRefDepth = 32;

const stringFormats: Record<string, string> = {
  "date-time": "1970-01-01T00:00:00Z",
  date: "1970-01-01",
  time: "00:00:00Z",
  email: "user@example.com",
  uri: "https://example.com/",
  url: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
  hostname: "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
};

class InstanceBuilder {
  constructor(private readonly root: Schema) {}

  build(schema: unknown, refDepth = 0): unknown {
    if (schema === true || schema === undefined) return null;
    if (!isSchema(schema)) return null;
    if ("const" in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
    if (typeof schema.$ref === "string") return this.build(this.resolve(schema.$ref, refDepth), refDepth + 1);
    for (const key of ["anyOf", "oneOf"] as const) {
      const branches = schema[key];
      if (Array.isArray(branches) && branches.length > 0) return this.build(branches[0], refDepth);
    }
    if (Array.isArray(schema.allOf)) return this.build(this.merged(schema), refDepth);
    switch (this.typeOf(schema)) {
      case "object":
        return this.object(schema, refDepth);
      case "array":
        return this.array(schema, refDepth);
      case "string":
        return this.string(schema);
      case "integer":
        return Math.ceil(this.number(schema));
      case "number":
        return this.number(schema);
      case "boolean":
        return false;
      default:
        return null;
    }
  }

  private typeOf(schema: Schema): string | undefined {
    const type = Array.isArray(schema.type)
      ? (schema.type.find((entry) => entry !== "null") ?? schema.type[0])
      : schema.type;
    if (typeof type === "string") return type;
    if (isSchema(schema.properties) || Array.isArray(schema.required)) return "object";
    if (schema.items !== undefined || Array.isArray(schema.prefixItems)) return "array";
    return undefined;
  }

  private resolve(ref: string, refDepth: number): unknown {
    if (refDepth >= maxRefDepth) throw invalid(`The JSON schema's $ref ${ref} recurses without end.`);
    if (!ref.startsWith("#")) throw invalid(`The JSON schema's $ref ${ref} is not a local reference.`);
    let at: unknown = this.root;
    for (const part of ref.slice(1).split("/").filter(Boolean)) {
      const key = decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~");
      at = isSchema(at) ? at[key] : undefined;
    }
    if (at === undefined) throw invalid(`The JSON schema's $ref ${ref} points nowhere.`);
    return at;
  }

  private merged(schema: Schema): Schema {
    const { allOf, ...rest } = schema;
    const parts = [rest, ...(allOf as unknown[]).filter(isSchema)];
    return {
      ...Object.assign({}, ...parts),
      properties: Object.assign(
        {},
        ...parts.map((part) => (isSchema(part.properties) ? part.properties : {})),
      ),
      required: parts.flatMap((part) => (Array.isArray(part.required) ? part.required : [])),
    };
  }

  private object(schema: Schema, refDepth: number): Record<string, unknown> {
    const properties = isSchema(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required)
      ? schema.required.filter((key) => typeof key === "string")
      : [];
    const out: Record<string, unknown> = {};
    for (const key of required) out[key] = this.build(properties[key] ?? true, refDepth);
    return out;
  }

  private array(schema: Schema, refDepth: number): unknown[] {
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    const min = typeof schema.minItems === "number" ? schema.minItems : 0;
    const out = prefix.slice(0, Math.max(min, 0)).map((item) => this.build(item, refDepth));
    while (out.length < min) out.push(this.build(schema.items ?? true, refDepth));
    return out;
  }

  private string(schema: Schema): string {
    const format = typeof schema.format === "string" ? stringFormats[schema.format] : undefined;
    if (format) return format;
    const min = typeof schema.minLength === "number" ? schema.minLength : 0;
    const max = typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
    return "x".repeat(Math.min(Math.max(min, 1), max));
  }

  /** 0 when the bounds allow it, else the nearest bound (exclusive bounds stepped by one). */
  private number(schema: Schema): number {
    const bound = (key: string) => (typeof schema[key] === "number" ? (schema[key] as number) : undefined);
    const low = Math.max(bound("minimum") ?? -Infinity, (bound("exclusiveMinimum") ?? -Infinity) + 1);
    const high = Math.min(bound("maximum") ?? Infinity, (bound("exclusiveMaximum") ?? Infinity) - 1);
    if (low > 0) return low;
    if (high < 0) return high;
    return 0;
  }
}

const invalid = (message: string) => new EmulatedError("ValidationException", message, 400);

/** The smallest instance of a JSON schema, as far as the emulator understands schemas. */
export function minimalInstance(schema: unknown): unknown {
  return new InstanceBuilder(isSchema(schema) ? schema : {}).build(schema);
}

/**
 * The answer text a Converse request with JSON-schema structured output gets, or undefined when it asks
 * for none. The schema travels as a string (`structure.jsonSchema.schema`); one that is not JSON is
 * refused as Bedrock refuses it.
 */
export function structuredOutputText(request: Record<string, unknown>): string | undefined {
  const output = request.outputConfig;
  const format = isSchema(output) ? output.textFormat : undefined;
  if (!isSchema(format) || format.type !== "json_schema") return undefined;
  const structure = isSchema(format.structure) ? format.structure.jsonSchema : undefined;
  const text = isSchema(structure) ? structure.schema : undefined;
  if (typeof text !== "string")
    throw invalid("outputConfig.textFormat.structure.jsonSchema.schema is required.");
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch {
    throw invalid("The provided JSON schema is not valid JSON.");
  }
  return JSON.stringify(minimalInstance(schema));
}
