import type { GatewayError } from "../errors.js";
import { anthropicErrorBody, anthropicStatus } from "./anthropic/errors.js";
import { openAiErrorBody } from "./openai/errors.js";

/** How a client family expects to see errors. Routes are assigned a dialect by their path prefix. */
export interface Dialect {
  name: "openai" | "anthropic";
  errorBody(error: GatewayError): unknown;
  /** The HTTP status this dialect answers the error with, when it differs from the gateway's. */
  statusOf?(error: GatewayError): number;
}

export const openAiDialect: Dialect = { name: "openai", errorBody: openAiErrorBody };

export const anthropicDialect: Dialect = {
  name: "anthropic",
  errorBody: anthropicErrorBody,
  statusOf: anthropicStatus,
};

export interface DialectTable {
  /** The dialect serving a request path; OpenAI is the default for paths no dialect claims. */
  forUrl(url: string): Dialect;
}

export function dialectTable(prefixed: { prefix: string; dialect: Dialect }[]): DialectTable {
  const ordered = [...prefixed]
    .filter((entry) => entry.prefix !== "")
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    forUrl(url) {
      for (const entry of ordered) {
        if (
          url === entry.prefix ||
          url.startsWith(`${entry.prefix}/`) ||
          url.startsWith(`${entry.prefix}?`)
        ) {
          return entry.dialect;
        }
      }
      return openAiDialect;
    },
  };
}
