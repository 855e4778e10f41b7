/**
 * A baseline for bench/latency.ts: a process that relays HTTP requests to the emulator and streams the
 * answers back, without looking at them. What a gateway adds beyond this is its own work (authentication,
 * translation, signing, SSE); what this adds over the emulator direct is the cost of one more process on
 * the path. NULL_PROXY_PORT, NULL_PROXY_UPSTREAM.
 */
import { createServer } from "node:http";
import { Pool } from "undici";

const upstream = new Pool(process.env.NULL_PROXY_UPSTREAM ?? "http://127.0.0.1:4311");
const port = Number(process.env.NULL_PROXY_PORT ?? 4321);

createServer((req, res) => {
  if (req.url === "/health") {
    res.end("ok");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    try {
      const answer = await upstream.request({
        path: req.url ?? "/",
        method: "POST",
        // The signed headers go as they came (host included), so the emulator's signature check passes.
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const headers = { ...answer.headers };
      delete headers["content-length"];
      delete headers["transfer-encoding"];
      delete headers.connection;
      delete headers["keep-alive"];
      res.writeHead(answer.statusCode, headers);
      answer.body.on("data", (chunk: Buffer) => res.write(chunk));
      answer.body.on("end", () => res.end());
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
}).listen(port, "127.0.0.1");
