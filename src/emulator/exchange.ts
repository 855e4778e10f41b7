import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Service } from "./exceptions.js";
import type { EmulatorState } from "./state.js";

/**
 * What an operation handler gets: the request as received and ways to answer it. Handlers answer
 * errors by throwing EmulatedError; the server renders those in the route's protocol.
 */

export interface RecordedRequest {
  service: Service;
  operation: string;
  /** Decoded `{modelId}` path segment, exactly as the caller named the model. */
  modelId?: string;
  /** Parsed JSON body, or undefined when empty or not JSON. */
  body: unknown;
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  /** The client went away before the response was complete. */
  aborted: boolean;
  /** The region the request was signed for (its SigV4 credential scope): the region it was sent to. */
  region?: string;
  /**
   * When the request was read and when its answer was handed to the socket (or the client went away), as
   * `performance.timeOrigin + performance.now()` ms: what was in flight at the same time.
   */
  receivedAt?: number;
  endedAt?: number;
  /**
   * Streamed answers: when each chunk was handed to the socket, as `performance.timeOrigin +
   * performance.now()` (ms, a clock other processes can share), so a benchmark can tell how long each
   * event took to reach its client.
   */
  writtenAt?: number[];
}

/**
 * The subset of a response both node:http's ServerResponse and node:http2's compatibility
 * Http2ServerResponse provide; the emulator serves HTTP/1.1 and HTTP/2 with the same handlers.
 */
export interface ResponseLike {
  writeHead(statusCode: number, headers?: OutgoingHttpHeaders): unknown;
  write(chunk: Uint8Array | string): boolean;
  end(chunk?: Uint8Array | string): unknown;
  on(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

export interface Exchange {
  readonly record: RecordedRequest;
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Aborted when the client disconnects before the response is complete. */
  readonly signal: AbortSignal;
  /** Date.now() when the request arrived; for `latencyMs`. */
  readonly startedAt: number;
  /** Region the emulator reports in ARNs. */
  /** The region the request was signed for (the emulator's own region until the signature is read). */
  region: string;
  readonly state: EmulatorState;
  /** Sends a complete JSON answer in the route's protocol content type. */
  json(status: number, body: unknown, headers?: OutgoingHttpHeaders): void;
  /** Sends a complete non-JSON-wrapped answer (InvokeModel returns the model's bytes as they are). */
  raw(status: number, body: Uint8Array | string, headers: OutgoingHttpHeaders): void;
  /** Starts a streamed answer; the returned writer honours backpressure and client aborts. */
  stream(status: number, headers: OutgoingHttpHeaders): StreamWriter;
}

export interface StreamWriter {
  /** Writes one chunk; resolves false when the client has gone (stop producing). */
  write(chunk: Uint8Array): Promise<boolean>;
  end(): void;
  /**
   * Writes these chunks and ends the answer: the same bytes on the wire as write() of each then end(), and
   * handed to the socket at once (one chunk of the chunked encoding per frame still). For a short answer
   * produced all at once; resolves false when the client has gone.
   */
  endWith(chunks: Uint8Array[]): Promise<boolean>;
}

export type Handler = (exchange: Exchange) => Promise<void>;
