import { connect } from "node:net";

export interface RawAnswer {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf("\r\n\r\n");
  const [statusLine = "", ...lines] = text.slice(0, end < 0 ? text.length : end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(statusLine.split(" ")[1] ?? 0), headers, body: end < 0 ? "" : text.slice(end + 4) };
}

/**
 * Sends bytes exactly as given (so Host, the request target and header counts can be anything) over
 * a fresh loopback connection, optionally from another loopback source address, and reads the answer
 * until the server closes (send Connection: close).
 */
export function rawRequest(
  url: string,
  request: string,
  options: { localAddress?: string } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: options.localAddress });
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      text += chunk;
    });
    socket.once("error", reject);
    socket.once("close", () => resolve(parseAnswer(text)));
    socket.write(request);
  });
}

/** A GET with the given extra header lines (each "Name: value"), closing the connection after. */
export function rawGet(
  url: string,
  path: string,
  headerLines: string[],
  options: { localAddress?: string } = {},
) {
  const head = [`GET ${path} HTTP/1.1`, ...headerLines, "Connection: close", "", ""].join("\r\n");
  return rawRequest(url, head, options);
}
