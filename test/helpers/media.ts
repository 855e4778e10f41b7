import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { expect } from "vitest";
import { createDeps } from "../../src/deps.js";
import type { Emulator } from "../../src/emulator/server.js";
import { mediaLoadersFor } from "../../src/fetch/configured.js";
import type { Resolver } from "../../src/fetch/resolver.js";
import { createMediaServer, type MediaServerEvent } from "../fixtures/media-server.mjs";
import { type RunningGateway, startGateway } from "./gateway.js";

export const model = "amazon.nova-lite-v1:0";

/** Names for the tests, answered from a table: a test never asks the machine's DNS. Counts the lookups. */
export function tableResolver(table: Record<string, string[] | ((call: number) => string[])>) {
  const calls = new Map<string, number>();
  const resolve: Resolver = async (hostname) => {
    const call = (calls.get(hostname) ?? 0) + 1;
    calls.set(hostname, call);
    const answer = table[hostname.toLowerCase().replace(/\.$/, "")];
    if (answer === undefined)
      throw Object.assign(new Error(`no test name ${hostname}`), { code: "ENOTFOUND" });
    return typeof answer === "function" ? answer(call) : answer;
  };
  return { resolve, calls };
}

/** The real gateway with the real media loaders, resolving names through `resolve`. */
export function startMediaGateway(
  emulator: Emulator,
  env: Record<string, string>,
  resolve: Resolver,
  ca?: string,
) {
  return startGateway(emulator, env, (config) => ({
    ...createDeps(config),
    mediaLoader: mediaLoadersFor(config, { resolve, ca }),
  }));
}

export const openAiClient = (gateway: RunningGateway) =>
  new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-test-never-forwarded", maxRetries: 0 });

/** A chat with one image (or document) part given by URL; resolves to the completion or the error. */
export function askAbout(client: OpenAI, url: string, part: "image" | "file" = "image", stream = false) {
  const media =
    part === "image"
      ? { type: "image_url" as const, image_url: { url } }
      : ({
          type: "file",
          file: { file_url: url, filename: "report" },
        } as unknown as OpenAI.Chat.ChatCompletionContentPart);
  return client.chat.completions
    .create({
      model,
      stream,
      messages: [{ role: "user", content: [{ type: "text", text: "what is this?" }, media] }],
    })
    .then(async (answer) => {
      if (stream) for await (const _chunk of answer as AsyncIterable<unknown>);
      return answer;
    })
    .catch((error: unknown) => error);
}

export const imageParam = "messages[0].content[1].image_url.url";
export const fileParam = "messages[0].content[1].file.file_url";
export const refusedMessage = "The file at this URL could not be downloaded.";

/** The one refusal: status, code and message the same whatever the reason; returns the error. */
export function expectRefusal(
  outcome: unknown,
  expected: { status?: number; code?: string; param?: string } = {},
): InstanceType<typeof OpenAI.APIError> {
  expect(outcome).toBeInstanceOf(OpenAI.APIError);
  const error = outcome as InstanceType<typeof OpenAI.APIError>;
  expect(error.status).toBe(expected.status ?? 400);
  expect(error.code).toBe(expected.code ?? "url_not_downloadable");
  expect(error.param).toBe(expected.param ?? imageParam);
  if ((expected.code ?? "url_not_downloadable") === "url_not_downloadable") {
    expect(error.message).toBe(`${expected.status ?? 400} ${refusedMessage}`);
  }
  return error;
}

/** A media server on loopback that must never be reached: it counts connections, on 127.0.0.1 and ::1. */
export async function startLoopbackTrap(port = 0) {
  const events: MediaServerEvent[] = [];
  const v4 = createMediaServer((event) => events.push(event));
  await new Promise<void>((resolve) => v4.listen(port, "127.0.0.1", resolve));
  const bound = (v4.address() as AddressInfo).port;
  const v6 = createMediaServer((event) => events.push(event));
  const hasV6 = await new Promise<boolean>((resolve) => {
    v6.once("error", () => resolve(false));
    v6.listen(bound, "::1", () => resolve(true));
  });
  return {
    port: bound,
    hasV6,
    connections: () => events.filter((event) => event.connection !== undefined).length,
    events,
    async close() {
      v4.closeAllConnections();
      v6.closeAllConnections();
      await new Promise((resolve) => v4.close(resolve));
      if (hasV6) await new Promise((resolve) => v6.close(resolve));
    },
  };
}
