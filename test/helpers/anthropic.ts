import Anthropic from "@anthropic-ai/sdk";
import type { RecordedRequest } from "../../src/emulator/exchange.js";
import type { Emulator } from "../../src/emulator/server.js";
import type { startStack } from "./gateway.js";

export type Stack = Awaited<ReturnType<typeof startStack>>;

/** The official Anthropic client pointed at the gateway's Anthropic routes, as a user would configure it. */
export const anthropicClient = (stack: Stack) =>
  new Anthropic({ baseURL: `${stack.gateway.url}/anthropic`, apiKey: "unused", maxRetries: 0 });

/** The last call of an operation (prefix) that reached the emulator. */
export function lastCall(emulator: Emulator, operation = "Converse"): RecordedRequest {
  const request = emulator.requests.filter((r) => r.operation.startsWith(operation)).at(-1);
  if (!request) throw new Error(`no ${operation} call reached the emulator`);
  return request;
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Anthropic SSE text → events, checking every frame is `event:` then `data:`. */
export function parseSse(text: string): SseEvent[] {
  return text
    .trim()
    .split("\n\n")
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split("\n");
      if (!eventLine?.startsWith("event: ") || !dataLine?.startsWith("data: ") || rest.length > 0) {
        throw new Error(`not an Anthropic SSE frame: ${frame}`);
      }
      return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) as Record<string, unknown> };
    });
}
