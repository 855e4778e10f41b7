import { CONTROL_PREFIX, handleControl } from "./control.js";
import { EmulatedError } from "./exceptions.js";
import type { Exchange, RecordedRequest, ResponseLike, StreamWriter } from "./exchange.js";
import { injectedFailure } from "./faults.js";
import { parseJson, parseQuery, readBody, recordedHeaders } from "./incoming.js";
import { baseHeaders, chunkedAnswer, sendError, sendJson } from "./respond.js";
import { matchRoute } from "./routes.js";
import { authenticate } from "./sigv4.js";
import { sleep } from "./sleep.js";
import { EmulatorState } from "./state.js";
import { createDualProtocolServer, type RequestLike, type ResponseObject } from "./transport.js";

/**
 * The AWS emulator: a local server speaking the real wire protocols of Bedrock Runtime, Bedrock,
 * SSM and Secrets Manager, so the official SDK clients (and the gateway) work against it unchanged
 * when pointed at `url`. Every request is recorded for tests to assert on.
 */

export type { RecordedRequest } from "./exchange.js";

/** The only credentials the emulator accepts. Any session token is accepted alongside them. */
export const EMULATOR_CREDENTIALS = {
  accessKeyId: "EMULATORKEYID",
  secretAccessKey: "emulator-secret-key",
} as const;

export interface Emulator {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Every AWS request in arrival order, rejected ones included (not control endpoints or unroutable paths). */
  requests: RecordedRequest[];
  /** TCP connections accepted so far (since the last reset), to prove keep-alive reuse. */
  connections: number;
  /** Requests whose client disconnected before the response ended. */
  aborts(): number;
  setParameter(name: string, value: string): void;
  deleteParameter(name: string): void;
  /** Creates a new version of the secret labelled `stage` (default AWSCURRENT). */
  setSecret(
    id: string,
    value: { string?: string; binary?: Uint8Array },
    stage?: "AWSCURRENT" | "AWSPENDING",
  ): void;
  deleteSecret(id: string): void;
  /** Makes every call of `operation` (e.g. "GetParameter") fail with `exceptionName`; null clears. */
  failOperation(operation: string, exceptionName: string | null): void;
  /** Makes every Bedrock Runtime call signed for `region` fail with `exceptionName` (a regional outage); null clears. */
  failRegion(region: string, exceptionName: string | null): void;
  /** Makes every Bedrock Runtime call signed for `region` wait `ms` before it is handled (a hanging region); null clears. */
  stallRegion(region: string, ms: number | null): void;
  /** Clears records, counters and failOperation() faults; keeps parameters and secrets. */
  reset(): void;
  /** Closes the server and every open connection. */
  close(): Promise<void>;
}

export interface EmulatorOptions {
  host?: string;
  port?: number;
  /** Region used in the ARNs the emulator reports. Requests signed for any region are accepted. */
  region?: string;
  /** Recompute and compare SigV4 signatures (default true). Off: only the access key is checked. */
  verifySignatures?: boolean;
  /** Keep only this many of the newest request records (default: all). */
  keepRequests?: number;
  /**
   * Answer a base model id that the catalogue serves only through inference profiles with Bedrock's
   * ValidationException (default false: every catalogue id is served, which most tests rely on).
   */
  requireProfiles?: boolean;
}

function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? "127.0.0.1";
  const region = opts.region ?? "us-east-1";
  const verifySignature = opts.verifySignatures ?? true;
  const state = new EmulatorState(region, opts.keepRequests);
  state.requireProfiles = opts.requireProfiles ?? false;

  const emulator: Emulator = {
    url: "",
    port: 0,
    requests: state.requests,
    get connections() {
      return state.connections;
    },
    aborts: () => state.aborts(),
    setParameter: (name, value) => state.parameters.set(name, value),
    deleteParameter: (name) => state.parameters.delete(name),
    setSecret: (id, value, stage) => state.secrets.set(id, value, stage),
    deleteSecret: (id) => state.secrets.delete(id),
    failOperation: (operation, exceptionName) => {
      if (exceptionName === null) state.failures.delete(operation);
      else state.failures.set(operation, exceptionName);
    },
    failRegion: (failingRegion, exceptionName) => {
      if (exceptionName === null) state.regionFailures.delete(failingRegion);
      else state.regionFailures.set(failingRegion, exceptionName);
    },
    stallRegion: (stallingRegion, ms) => {
      if (ms === null) state.regionStalls.delete(stallingRegion);
      else state.regionStalls.set(stallingRegion, ms);
    },
    reset: () => state.reset(),
    close: () => server.close(),
  };
  const control = {
    ...emulator,
    stats: () => ({
      requests: state.requests.length,
      connections: state.connections,
      aborts: state.aborts(),
    }),
  };

  async function handle(req: RequestLike, res: ResponseObject): Promise<void> {
    const startedAt = Date.now();
    const out = res as ResponseLike;
    const aborter = new AbortController();
    const signal = aborter.signal;
    let record: RecordedRequest | undefined;
    // "close" before we ended the answer means the client went away. (Not "close" without "finish":
    // HTTP/2's compatibility response emits "finish" even when the peer reset the stream.)
    const now = () => performance.timeOrigin + performance.now();
    // "finish": the whole answer is with the kernel, before the client can have read it.
    res.once("finish", () => {
      if (record) record.endedAt ??= now();
    });
    res.once("close", () => {
      if (record) record.endedAt ??= now();
      if (res.writableEnded) return;
      if (record) record.aborted = true;
      aborter.abort();
    });

    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? "GET";
    const target = req.headers["x-amz-target"];
    const route = matchRoute(method, rawPath, Array.isArray(target) ? target[0] : target);

    let rawBody: Buffer;
    try {
      rawBody = await readBody(req);
    } catch (error) {
      // Too large: say so. Anything else: the client went away mid-body; nobody to answer.
      if (error instanceof EmulatedError && !signal.aborted) {
        sendError(out, route?.protocol ?? "restJson1", route?.service, error);
      }
      return;
    }

    if (rawPath.startsWith(CONTROL_PREFIX)) {
      handleControl(control, method, rawPath, rawBody, out);
      return;
    }
    if (!route) {
      sendError(
        out,
        "restJson1",
        undefined,
        new EmulatedError("UnknownOperationException", `No AWS operation at ${method} ${rawPath}.`, 404),
      );
      return;
    }

    record = {
      service: route.service,
      operation: route.operation,
      ...(route.modelId !== undefined ? { modelId: route.modelId } : {}),
      body: parseJson(rawBody),
      rawBody,
      headers: recordedHeaders(req.headers),
      aborted: signal.aborted,
      receivedAt: now(),
    };
    state.record(record);
    const query = parseQuery(q < 0 ? "" : url.slice(q + 1));

    const exchange: Exchange = {
      record,
      query,
      signal,
      startedAt,
      region,
      state,
      json(status, body, headers) {
        if (!signal.aborted) sendJson(out, route.protocol, status, body, headers);
      },
      raw(status, body, headers) {
        if (signal.aborted) return;
        const payload = typeof body === "string" ? Buffer.from(body) : body;
        out.writeHead(status, { ...baseHeaders(), "content-length": payload.length, ...headers });
        out.end(payload);
      },
      stream(status, headers): StreamWriter {
        if (signal.aborted) return { write: async () => false, end: () => {}, endWith: async () => false };
        out.writeHead(status, { ...baseHeaders(), ...headers });
        const writtenAt: number[] = [];
        record.writtenAt = writtenAt;
        const writer: StreamWriter = {
          async write(chunk) {
            if (signal.aborted) return false;
            writtenAt.push(performance.timeOrigin + performance.now());
            // Honour backpressure: a client reading slowly slows the producer, as a real stream does.
            if (!out.write(chunk)) {
              // Both listeners go when either fires: a long stream waits for drain many times.
              await new Promise<void>((resolve) => {
                const done = () => {
                  out.off("drain", done);
                  out.off("close", done);
                  resolve();
                };
                out.on("drain", done);
                out.on("close", done);
              });
            }
            return !signal.aborted;
          },
          end() {
            if (!signal.aborted) out.end();
          },
          async endWith(chunks) {
            if (signal.aborted) return false;
            const framed = chunkedAnswer(out, chunks);
            if (framed === undefined) {
              for (const chunk of chunks) if (!(await writer.write(chunk))) return false;
              writer.end();
              return !signal.aborted;
            }
            const at = performance.timeOrigin + performance.now();
            for (let i = 0; i < chunks.length; i++) writtenAt.push(at);
            out.end(framed);
            return true;
          },
        };
        return writer;
      },
    };

    try {
      const scope = await authenticate(
        { method, rawPath, query, headers: req.headers, body: rawBody },
        EMULATOR_CREDENTIALS,
        {
          verifySignature,
          signingName: route.signingName,
        },
      );
      // One emulator serves every region; the signature names the one a request was sent to.
      exchange.region = scope.region;
      record.region = scope.region;
      const regionStall =
        route.service === "bedrock-runtime" ? state.regionStalls.get(scope.region) : undefined;
      if (regionStall !== undefined && !(await sleep(regionStall, signal))) return;
      const regionFailure =
        route.service === "bedrock-runtime" ? state.regionFailures.get(scope.region) : undefined;
      if (regionFailure) throw injectedFailure(route.service, route.operation, regionFailure, scope.region);
      const failure = state.failures.get(route.operation);
      if (failure) throw injectedFailure(route.service, route.operation, failure, region);
      await route.handler(exchange);
    } catch (error) {
      if (signal.aborted) return;
      if (res.headersSent) {
        // A stream already under way cannot turn into an error response; cut it off instead.
        res.destroy?.();
        return;
      }
      const emulated =
        error instanceof EmulatedError
          ? error
          : new EmulatedError(
              "InternalServerException",
              `Emulator failure: ${(error as Error)?.message ?? String(error)}`,
              500,
            );
      if (!(error instanceof EmulatedError)) console.error("[emulator]", error);
      sendError(out, route.protocol, route.service, emulated);
    }
  }

  const server = createDualProtocolServer(
    (req, res) => {
      void handle(req, res);
    },
    () => {
      state.connections++;
    },
  );
  const port = await server.listen(opts.port ?? 0, host);
  emulator.port = port;
  emulator.url = `http://${urlHost(host)}:${port}`;
  return emulator;
}
