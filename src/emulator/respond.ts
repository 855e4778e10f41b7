import { randomUUID } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";
import type { EmulatedError, Service } from "./exceptions.js";
import type { ResponseLike } from "./exchange.js";
import type { Protocol } from "./routes.js";

/** How answers look on the wire for each protocol. */

const CONTENT_TYPE: Record<Protocol, string> = {
  restJson1: "application/json",
  awsJson1_1: "application/x-amz-json-1.1",
};

/** Every AWS answer carries a request id; the SDK surfaces it as `$metadata.requestId`. */
export function baseHeaders(): OutgoingHttpHeaders {
  return { "x-amzn-requestid": randomUUID() };
}

export function sendJson(
  res: ResponseLike,
  protocol: Protocol,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...baseHeaders(),
    "content-type": CONTENT_TYPE[protocol],
    "content-length": payload.length,
    ...headers,
  });
  res.end(payload);
}

/**
 * restJson1 errors name the exception in `x-amzn-errortype` with a `{"message"}` body; awsJson1_1 errors
 * name it in the body's `__type`. We send both forms; each SDK reads the one its protocol defines.
 * Secrets Manager spells its message member `Message`.
 */
export function sendError(
  res: ResponseLike,
  protocol: Protocol,
  service: Service | undefined,
  error: EmulatedError,
): void {
  const messageKey = service === "secretsmanager" ? "Message" : "message";
  const body =
    protocol === "awsJson1_1"
      ? { __type: error.exceptionName, [messageKey]: error.message, ...error.fields }
      : { message: error.message, ...error.fields };
  sendJson(res, protocol, error.status, body, { "x-amzn-errortype": error.exceptionName, ...error.headers });
}
