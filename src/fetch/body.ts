import type { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { FetchRefused, FetchTooLarge } from "./failures.js";

export const acceptedEncodings = "gzip, deflate, br";

function decoderFor(contentEncoding: string | undefined): Transform | undefined {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  switch (encoding) {
    case "":
    case "identity":
      return undefined;
    case "gzip":
    case "x-gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      throw new FetchRefused(`unsupported content-encoding "${encoding.slice(0, 40)}"`, "encoding");
  }
}

/** Drop a body we will not read; undici reports the abort as an error event, which is expected here. */
export function discard(body: Readable): void {
  body.on("error", () => undefined);
  body.destroy();
}

/** Stops a stream as soon as more than `limit` bytes went through it. */
function limitTo(limit: number) {
  return async function* (source: AsyncIterable<Buffer>) {
    let size = 0;
    for await (const chunk of source) {
      size += chunk.length;
      if (size > limit) throw new FetchTooLarge(limit);
      yield chunk;
    }
  };
}

/**
 * The decoded body, at most `maxBytes`. A truthful Content-Length over the limit refuses before reading; any
 * other body is counted while it streams, on the wire and after decoding, because a few KiB of gzip can
 * expand to gigabytes. `onBytes` sees each decoded chunk before it is kept; if it throws, reading stops there.
 */
export async function readLimitedBody(
  body: Readable,
  headers: { contentLength: string | undefined; contentEncoding: string | undefined },
  maxBytes: number,
  onBytes?: (count: number) => void,
): Promise<Buffer> {
  const declared = Number(headers.contentLength);
  let decoder: Transform | undefined;
  try {
    if (Number.isFinite(declared) && declared > maxBytes) throw new FetchTooLarge(maxBytes);
    decoder = decoderFor(headers.contentEncoding);
  } catch (error) {
    discard(body);
    throw error;
  }
  const chunks: Buffer[] = [];
  const collect = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      onBytes?.(chunk.length);
      chunks.push(chunk);
    }
  };
  if (decoder) await pipeline(body, limitTo(maxBytes), decoder, limitTo(maxBytes), collect);
  else await pipeline(body, limitTo(maxBytes), collect);
  return Buffer.concat(chunks);
}
