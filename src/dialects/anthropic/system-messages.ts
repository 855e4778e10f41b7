import type { ContentBlock, Message, SystemContentBlock } from "@aws-sdk/client-bedrock-runtime";
import type { CacheControl, SystemMessageParam } from "./messages-schema.js";

/**
 * Where a `role: "system"` message inside `messages` goes on Converse.
 *
 * Anthropic's API accepts system messages mid-conversation (Opus 4.8 and later, no beta needed; clients
 * also send `anthropic-beta: mid-conversation-system-2026-04-07`). Anthropic documents the feature as not
 * available on Amazon Bedrock, and Converse has no system role inside `messages`, so:
 * - a system message before the first user or assistant message is a system instruction in the plain
 *   sense: it joins the Converse `system` blocks, after the top-level `system`;
 * - a later one keeps its place in the conversation: its text becomes a clearly delimited text block in
 *   the user turn at that position (after the user's text when it follows a user turn, as Anthropic's
 *   placement rule has it; a turn of its own, merged with the next user turn, after an assistant turn).
 *   Moving it to the top-level system blocks would give it a position it did not have (instructions that
 *   apply "from here on") and change the cached prefix of every earlier turn.
 */
export function systemMessageText(text: string): string {
  return `<system_message>\n${text}\n</system_message>`;
}

/** A leading system message → Converse system blocks (a cachePoint after a block that asks for one). */
export function leadingSystemBlocks(
  message: SystemMessageParam,
  cachePoint: (control: NonNullable<CacheControl>) => SystemContentBlock,
): SystemContentBlock[] {
  return message.content.flatMap((part) => [
    ...(part.text !== "" ? [{ text: part.text }] : []),
    ...(part.cache_control ? [cachePoint(part.cache_control)] : []),
  ]);
}

/**
 * A later system message → a user turn holding its delimited text, for mergeSameRole to place; none when
 * it holds no text (Bedrock refuses a turn without content).
 */
export function midConversationTurn(
  message: SystemMessageParam,
  cachePoint: (control: NonNullable<CacheControl>) => ContentBlock,
): Message | undefined {
  if (message.content.every((part) => part.text === "")) return undefined;
  const content: ContentBlock[] = message.content.flatMap((part) => [
    ...(part.text !== "" ? [{ text: systemMessageText(part.text) }] : []),
    ...(part.cache_control ? [cachePoint(part.cache_control)] : []),
  ]);
  return { role: "user", content };
}
