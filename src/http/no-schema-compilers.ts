import type { FastifyServerOptions } from "fastify";

/**
 * Aegis validates request bodies with zod and answers with JSON.stringify; no route declares a Fastify
 * schema. Fastify would still load its ajv and fast-json-stringify compilers at startup (about 600 KiB of
 * source, with ajv-formats, fast-uri and the schema resolvers); these stand-ins keep them out. A route that
 * declares a schema fails to register, saying why, instead of being validated by a second validator.
 */
function refuse(): never {
  throw new Error("Fastify route schemas are not used in Aegis: validate with zod (src/http/validate.ts)");
}

export const noSchemaCompilers: FastifyServerOptions["schemaController"] = {
  compilersFactory: {
    buildValidator: () => refuse,
    buildSerializer: () => refuse,
  },
};
