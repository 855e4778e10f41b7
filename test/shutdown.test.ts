import { connect } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { startGateway } from "./helpers/gateway.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(() => emulator.close());

describe("graceful close", () => {
  it("lets a stream in flight finish, then closes even connections that never sent a request", async () => {
    const gateway = await startGateway(emulator);
    const port = Number(new URL(gateway.url).port);
    const silent = connect(port, "127.0.0.1");
    await new Promise((resolve) => silent.once("connect", resolve));
    const silentClosed = new Promise((resolve) => silent.once("close", resolve));

    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "amazon.nova-lite-v1:0",
      messages: [{ role: "user", content: "one two three @@slow:100" }],
      stream: true,
    });
    const closed = gateway.close();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: one two three");
    const outcome = await Promise.race([
      closed.then(() => "closed"),
      new Promise((resolve) => setTimeout(() => resolve("still open after 5 s"), 5000)),
    ]);
    expect(outcome).toBe("closed");
    await silentClosed;
  });
});
