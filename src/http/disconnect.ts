import type { FastifyReply } from "fastify";

/** How often a client that has half-closed is asked, while its answer has not started, whether it still reads. */
const probeIntervalMs = 500;

/**
 * An AbortSignal that fires when the client goes away before the answer is complete,
 * so the Bedrock call it is waiting on stops too (and stops costing tokens).
 *
 * A client's FIN alone does not say it has gone: a client may half-close after sending its request
 * (`socket.end(request)`) and still read the answer, which the server allows (node-server.ts). So once the
 * client has sent FIN and until the answer starts, the connection is probed with an interim
 * `102 Processing`, which HTTP/1.1 clients must skip: a client that has closed answers the first probe with
 * a reset, the next probe then fails, the response closes and the signal fires.
 */
export function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  const socket = reply.request.raw.socket;
  let timer: NodeJS.Timeout | undefined;
  const probe = () => {
    if (response.headersSent || response.writableEnded || response.destroyed) return clearInterval(timer);
    response.writeProcessing();
  };
  const onClientEnd = () => {
    probe();
    timer = setInterval(probe, probeIntervalMs);
  };
  // `on`, not `once`: each event comes once here (a response closes once; the socket's end is unhooked when
  // the response closes), and `once` would wrap every listener in a bound function and a record of its own,
  // held as long as the stream lasts.
  response.on("close", () => {
    clearInterval(timer);
    socket.off("end", onClientEnd);
    if (!response.writableFinished) controller.abort();
  });
  // HTTP/1.0 clients must not be sent a 1xx answer; theirs is left to the write of the answer.
  if (reply.request.raw.httpVersion === "1.0") return controller.signal;
  if (socket.readableEnded) onClientEnd();
  else socket.on("end", onClientEnd);
  return controller.signal;
}
