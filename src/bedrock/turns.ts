import type { Message } from "@aws-sdk/client-bedrock-runtime";

/** Bedrock wants strictly alternating roles: consecutive messages of one role become one turn. */
export function mergeSameRole(messages: Message[]): Message[] {
  const merged: Message[] = [];
  for (const message of messages) {
    const last = merged.at(-1);
    if (last && last.role === message.role)
      last.content = [...(last.content ?? []), ...(message.content ?? [])];
    else merged.push({ role: message.role, content: [...(message.content ?? [])] });
  }
  return merged;
}
