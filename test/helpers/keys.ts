import { randomBytes } from "node:crypto";
import OpenAI from "openai";

/** A long random key, as a deployment would use (64 characters). */
export const randomKey = () => randomBytes(48).toString("base64url");

/** Whether the gateway at `url` accepts `key`, asked with a chat completion from the official OpenAI client. */
export async function accepts(url: string, key: string): Promise<boolean> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
  try {
    await client.chat.completions.create({
      model: "amazon.nova-micro-v1:0",
      messages: [{ role: "user", content: "hi" }],
    });
    return true;
  } catch (error) {
    if (error instanceof OpenAI.AuthenticationError) return false;
    throw error;
  }
}
