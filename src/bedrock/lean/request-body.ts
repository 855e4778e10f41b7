import type { Dispatcher } from "undici";

type RequestBody = NonNullable<Dispatcher.RequestOptions["body"]>;

/**
 * A request body as undici should hold it while a call waits on Bedrock. Given a Buffer or a string, undici
 * keeps it (and the Buffer it makes of a string) referenced from its request until the answer has ended, so
 * a large prompt stays in memory, once or twice over, for the whole call, beside the parsed request the
 * gateway holds anyway. This body hands its bytes over once, when undici writes them, and keeps nothing; a
 * retry makes a new one. undici sends an iterable with the Content-Length it is given, so the request on the
 * wire is the same.
 */
export function sentOnce(bytes: Uint8Array): RequestBody {
  let unsent: Uint8Array | undefined = bytes;
  const once: Iterable<Uint8Array> = {
    [Symbol.iterator]: () => ({
      next(): IteratorResult<Uint8Array, undefined> {
        const chunk = unsent;
        unsent = undefined;
        return chunk ? { done: false, value: chunk } : { done: true, value: undefined };
      },
    }),
  };
  // undici documents iterable bodies (docs/api/Dispatcher.md, `body`); its type declarations leave them out.
  return once as unknown as RequestBody;
}

/** The bytes of a request body, UTF-8 for text, made once and used for both signing and sending. */
export function bodyBytes(body: string | Uint8Array): Buffer {
  return typeof body === "string"
    ? Buffer.from(body)
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
