import { maxKeyLength } from "./key-rules.js";

/** What a request presents as its API key, read from its headers only (never the query string or body). */
export type Presented =
  | { kind: "key"; key: string }
  | { kind: "refused"; message: string }
  /** A credential header repeated: Node would silently keep one of them, so we refuse the ambiguity. */
  | { kind: "ambiguous"; header: string };

const bearerScheme = "bearer";
const missing = "Missing API key: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.";
const notBearer = "Malformed Authorization header: expected 'Authorization: Bearer <key>'.";

function checked(key: string, where: string): Presented {
  if (key === "") return { kind: "refused", message: `Empty API key in the ${where} header.` };
  if (key.length > maxKeyLength) return { kind: "refused", message: "The API key is too long." };
  return { kind: "key", key };
}

/** `Bearer <key>`, the scheme matched case-insensitively (RFC 9110 §11.1), one or more spaces after it. */
function bearerToken(value: string): Presented {
  const space = value.indexOf(" ");
  if (space < 0 || value.slice(0, space).toLowerCase() !== bearerScheme) {
    return { kind: "refused", message: notBearer };
  }
  let start = space;
  while (value.charCodeAt(start) === 0x20) start++;
  return checked(value.slice(start), "Authorization");
}

/**
 * The key a request presents. `X-API-Key`, when present, decides (so an upstream JWT authorizer can
 * own `Authorization`); otherwise `Authorization: Bearer`. Messages never contain the presented value.
 * Scans `rawHeaders` (name, value, name, value…) because Node's parsed headers hide repetitions.
 */
export function presentedKey(rawHeaders: readonly string[]): Presented {
  let authorization: string | undefined;
  let apiKey: string | undefined;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    if (name.length === 13 && name.toLowerCase() === "authorization") {
      if (authorization !== undefined) return { kind: "ambiguous", header: "Authorization" };
      authorization = rawHeaders[index + 1] as string;
    } else if (name.length === 9 && name.toLowerCase() === "x-api-key") {
      if (apiKey !== undefined) return { kind: "ambiguous", header: "X-API-Key" };
      apiKey = rawHeaders[index + 1] as string;
    }
  }
  if (apiKey !== undefined) return checked(apiKey, "X-API-Key");
  if (authorization !== undefined) return bearerToken(authorization);
  return { kind: "refused", message: missing };
}
