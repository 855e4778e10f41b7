import { randomUUID } from "node:crypto";
import { type OutgoingHttpHeaders, ServerResponse } from "node:http";
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

/** Above this, an answer is written chunk by chunk with backpressure, never assembled in memory. */
const MAX_ASSEMBLED_BYTES = 64 * 1024;
const CRLF = Buffer.from("\r\n");
const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/**
 * A short streamed HTTP/1.1 answer as the bytes node:http would send for `write(chunk)` of each chunk then
 * `end()` (each chunk framed as one chunk of the chunked encoding, then the last chunk), assembled into one
 * buffer, with the response switched to writing it as it is. Node would make four buffered socket writes
 * per chunk; on the benchmarks' load core that was a large share of a stream's cost. Undefined when the
 * answer is not HTTP/1.1 chunked (HTTP/2) or too large: write it chunk by chunk then.
 */
export function chunkedAnswer(res: ResponseLike, chunks: Uint8Array[]): Buffer | undefined {
  if (!(res instanceof ServerResponse) || !res.chunkedEncoding || res.writableEnded) return undefined;
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  if (size > MAX_ASSEMBLED_BYTES) return undefined;
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    if (chunk.length === 0) continue; // node:http writes nothing for an empty chunk
    parts.push(
      Buffer.from(`${chunk.length.toString(16)}\r\n`, "latin1"),
      Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
      CRLF,
    );
  }
  parts.push(LAST_CHUNK);
  res.chunkedEncoding = false;
  return Buffer.concat(parts);
}
