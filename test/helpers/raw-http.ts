import { connect, type Socket } from "node:net";

/**
 * A plain TCP connection to a server, for requests no HTTP client will send (repeated headers, bare
 * bytes, a body announced but withheld) and to see exactly what comes back and when the server closes.
 */
export class RawConnection {
  text = "";
  /** The server ended the connection (FIN or reset). */
  closed = false;
  private readonly socket: Socket;
  private readonly waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.text += chunk.toString("latin1");
      this.notify();
    });
    const onEnd = () => {
      this.closed = true;
      this.notify();
    };
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    // A reset after the server closed is an ending like any other here.
    socket.on("error", () => undefined);
  }

  /** `localAddress` picks the loopback address the connection comes from (e.g. 127.0.0.2). */
  static open(url: string, options: { localAddress?: string } = {}): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port), localAddress: options.localAddress }, () =>
        resolve(new RawConnection(socket)),
      );
      socket.once("error", reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Resolves once `done()` holds for what has arrived; rejects after `timeoutMs`. */
  waitFor(done: (connection: RawConnection) => boolean, timeoutMs = 5_000): Promise<void> {
    if (done(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out; received so far: ${JSON.stringify(this.text.slice(0, 300))}`));
      }, timeoutMs);
      const check = () => {
        if (!done(this)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** The first complete response (status, lower-cased headers, body per content-length). */
  response(): RawResponse | undefined {
    return parseResponse(this.text.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ""));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify() {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function parseResponse(text: string): RawResponse | undefined {
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const [statusLine = "", ...lines] = text.slice(0, headEnd).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? 0);
  const body = text.slice(headEnd + 4, headEnd + 4 + length);
  if (body.length < length) return undefined;
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

/** Sends one request on a fresh connection and returns its response and whether the server then closed. */
export async function rawExchange(url: string, request: string | Buffer) {
  const connection = await RawConnection.open(url);
  try {
    connection.write(request);
    await connection.waitFor((c) => c.response() !== undefined || c.closed);
    // Give the server a moment to close a connection it means to close (no timing is asserted).
    await connection.waitFor((c) => c.closed, 1_000).catch(() => undefined);
    return { response: connection.response(), closed: connection.closed, text: connection.text };
  } finally {
    connection.destroy();
  }
}

/**
 * Sends bytes exactly as given (so Host, the request target and header counts can be anything) on a
 * fresh connection and reads until the server closes it (send Connection: close), then parses the answer.
 */
export async function rawRequest(
  url: string,
  request: string,
  options: { localAddress?: string } = {},
): Promise<RawResponse> {
  const connection = await RawConnection.open(url, options);
  try {
    connection.write(request);
    await connection.waitFor((c) => c.closed, 10_000);
    const response = connection.response();
    if (response === undefined)
      throw new Error(`no complete answer: ${JSON.stringify(connection.text.slice(0, 300))}`);
    return response;
  } finally {
    connection.destroy();
  }
}

/** A GET with the given header lines (each "Name: value"), closing the connection after. */
export function rawGet(
  url: string,
  path: string,
  headerLines: string[],
  options: { localAddress?: string } = {},
) {
  const head = [`GET ${path} HTTP/1.1`, ...headerLines, "Connection: close", "", ""].join("\r\n");
  return rawRequest(url, head, options);
}
