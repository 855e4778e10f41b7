import type { FastifyRequest } from "fastify";
import { presentedKey } from "../../auth/credentials.js";
import type { Deps } from "../../deps.js";
import { GatewayError, invalidRequest } from "../../errors.js";
import { randomId } from "../../random-id.js";
import { ownerOf, sameOwner } from "../../store/responses-owner.js";
import type { ResponsesStore, StoredResponse } from "../../store/responses-store.js";
import type { PlacedItem } from "./responses-request.js";
import type { InputItem, RequestItem } from "./responses-schema.js";

/** The caller a stored response belongs to: a digest of its API key when authentication is on. */
export function callerOf(request: FastifyRequest, deps: Deps): string {
  if (deps.keyVerifier === undefined) return ownerOf(undefined);
  const presented = presentedKey(request.raw.rawHeaders);
  return ownerOf(presented.kind === "key" ? presented.key : undefined);
}

export const responseNotFound = (id: string, param: string | null = null) =>
  new GatewayError("not_found", `Response with id '${id.slice(0, 100)}' not found.`, {
    param,
    code: param === "previous_response_id" ? "previous_response_not_found" : "response_not_found",
  });

/**
 * A stored response of this caller. Another caller's response is reported missing, exactly like an
 * unknown id (404, not 403), so ids cannot be probed.
 */
export async function loadOwned(
  store: ResponsesStore | undefined,
  id: string,
  owner: string,
  param: string | null = null,
): Promise<StoredResponse> {
  const record = store ? await store.get(id) : undefined;
  if (!record || !sameOwner(record.owner, owner)) throw responseNotFound(id, param);
  return record;
}

/** Longest previous_response_id chain replayed; deeper conversations are refused rather than walked forever. */
const maxChain = 1000;

/**
 * What previous_response_id replays, oldest first: each stored turn's input items, then its output items.
 * Instructions of earlier turns are not carried over (as in OpenAI).
 */
export async function replayedHistory(
  store: ResponsesStore | undefined,
  previousId: string,
  owner: string,
): Promise<PlacedItem[]> {
  const chain: StoredResponse[] = [];
  let id: string | null = previousId;
  while (id) {
    if (chain.length >= maxChain) {
      throw invalidRequest(`The conversation is longer than ${maxChain} responses.`, "previous_response_id");
    }
    chain.push(await loadOwned(store, id, owner, "previous_response_id"));
    id = (chain.at(-1)?.response.previous_response_id as string | null | undefined) ?? null;
  }
  const param = "previous_response_id";
  return chain
    .reverse()
    .flatMap((record) => [
      ...record.input.map((item) => ({ item: item as InputItem, param })),
      ...(record.response.output as InputItem[]).map((item) => ({ item, param })),
    ]);
}

const idPrefixOfType: Record<string, string> = {
  message: "msg",
  function_call: "fc",
  function_call_output: "fco",
  reasoning: "rs",
};

/** Input items as input_items lists them: each with an id, message content as parts. */
export function storedInputItems(items: readonly PlacedItem[]): Record<string, unknown>[] {
  return items.map(({ item }) => {
    const id = item.id ?? `${idPrefixOfType[item.type] ?? "item"}_${randomId(24)}`;
    if (item.type !== "message") return { ...item, id };
    const content =
      typeof item.content === "string"
        ? [{ type: item.role === "assistant" ? "output_text" : "input_text", text: item.content }]
        : item.content;
    return { id, type: "message", role: item.role, content, status: item.status ?? "completed" };
  });
}

/**
 * The request's items with each item_reference replaced by the item it names, from a stored response of
 * the same caller (clients such as the AI SDK refer to stored output items instead of resending them).
 */
export async function resolveReferences(
  items: readonly { item: RequestItem; param: string }[],
  store: ResponsesStore | undefined,
  owner: string,
): Promise<PlacedItem[]> {
  return Promise.all(
    items.map(async ({ item, param }): Promise<PlacedItem> => {
      if (item.type !== "item_reference") return { item, param };
      const notFound = new GatewayError("not_found", `Item with id '${item.id.slice(0, 100)}' not found.`, {
        param: `${param}.id`,
        code: "item_not_found",
      });
      const responseId = store ? await store.responseOfItem(item.id) : undefined;
      if (!responseId) throw notFound;
      const record = await store?.get(responseId);
      if (!record || !sameOwner(record.owner, owner)) throw notFound;
      const found = [...record.input, ...(record.response.output as Record<string, unknown>[])].find(
        (candidate) => candidate.id === item.id,
      );
      if (!found) throw notFound;
      return { item: found as InputItem, param };
    }),
  );
}

/** The ids of a record's items, input and output, which item_reference may name. */
export function itemIdsOf(record: StoredResponse): string[] {
  return [...record.input, ...(record.response.output as Record<string, unknown>[])]
    .map((item) => item.id)
    .filter((id): id is string => typeof id === "string");
}
