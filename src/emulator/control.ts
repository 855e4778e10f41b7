import type { ResponseLike } from "./exchange.js";

/**
 * Plain-HTTP control endpoints under /__emulator/, for driving an emulator in another process (the
 * demo, benchmarks). Unsigned on purpose: they are not AWS APIs and are never recorded.
 */

export interface ControlTarget {
  stats(): { requests: number; connections: number; aborts: number };
  setParameter(name: string, value: string): void;
  setSecret(
    id: string,
    value: { string?: string; binary?: Uint8Array },
    stage?: "AWSCURRENT" | "AWSPENDING",
  ): void;
  failOperation(operation: string, exceptionName: string | null): void;
  reset(): void;
}

export const CONTROL_PREFIX = "/__emulator/";

class BadControlRequest extends Error {}

function reply(res: ResponseLike, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json", "content-length": payload.length });
  res.end(payload);
}

function parseObject(raw: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw.toString("utf8") || "{}");
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new BadControlRequest("body must be a JSON object");
}

function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== "string" || value.length === 0)
    throw new BadControlRequest(`"${key}" must be a non-empty string`);
  return value;
}

type ControlAction = (target: ControlTarget, body: Record<string, unknown>) => unknown;

/** "METHOD path" → action; the action's return value is the JSON answer. */
const ACTIONS: Record<string, ControlAction> = {
  "GET stats": (target) => target.stats(),
  "POST parameters": (target, body) => {
    const value = body.value;
    if (typeof value !== "string") throw new BadControlRequest('"value" must be a string');
    target.setParameter(requireString(body, "name"), value);
    return { ok: true };
  },
  "POST secrets": (target, body) => {
    const stage = body.stage ?? "AWSCURRENT";
    if (stage !== "AWSCURRENT" && stage !== "AWSPENDING")
      throw new BadControlRequest('"stage" must be AWSCURRENT or AWSPENDING');
    const string = typeof body.string === "string" ? body.string : undefined;
    const binary =
      typeof body.binaryBase64 === "string"
        ? new Uint8Array(Buffer.from(body.binaryBase64, "base64"))
        : undefined;
    if (string === undefined && binary === undefined)
      throw new BadControlRequest('give "string" or "binaryBase64"');
    target.setSecret(
      requireString(body, "id"),
      { ...(string !== undefined ? { string } : {}), ...(binary ? { binary } : {}) },
      stage,
    );
    return { ok: true };
  },
  "POST failures": (target, body) => {
    const exception = body.exception ?? null;
    if (exception !== null && typeof exception !== "string")
      throw new BadControlRequest('"exception" must be a string or null');
    target.failOperation(requireString(body, "operation"), exception);
    return { ok: true };
  },
  "POST reset": (target) => {
    target.reset();
    return { ok: true };
  },
};

export function handleControl(
  target: ControlTarget,
  method: string,
  path: string,
  body: Buffer,
  res: ResponseLike,
): void {
  const action = ACTIONS[`${method} ${path.slice(CONTROL_PREFIX.length)}`];
  if (!action) {
    reply(res, 404, { error: `no control endpoint ${method} ${path}` });
    return;
  }
  try {
    reply(res, 200, action(target, method === "GET" ? {} : parseObject(body)));
  } catch (error) {
    if (!(error instanceof BadControlRequest)) throw error;
    reply(res, 400, { error: error.message });
  }
}
