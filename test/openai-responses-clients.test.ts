import { createOpenAI } from "@ai-sdk/openai";
import { Agent, tool as agentTool, OpenAIProvider, Runner, setTracingDisabled } from "@openai/agents";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { startStack } from "./helpers/gateway.js";

// The Agents SDK exports traces to OpenAI unless told not to; tests talk to loopback only.
process.env.OPENAI_AGENTS_DISABLE_TRACING = "1";
setTracingDisabled(true);

const model = "amazon.nova-lite-v1:0";
let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.emulator.reset());

const responsesCalls = () => stack.emulator.requests.filter((r) => r.operation.startsWith("Converse"));

describe("the OpenAI Agents SDK (@openai/agents)", () => {
  it("runs an agent with one function tool end to end over the Responses API", async () => {
    const calls: string[] = [];
    const weather = agentTool({
      name: "get_weather",
      description: "Weather of a city",
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city);
        return `sunny in ${city}`;
      },
    });
    const agent = new Agent({
      name: "Forecaster",
      instructions: "Answer about weather.",
      model,
      tools: [weather],
    });
    const runner = new Runner({
      modelProvider: new OpenAIProvider({
        baseURL: `${stack.gateway.url}/v1`,
        apiKey: "unused",
        useResponses: true,
      }),
      tracingDisabled: true,
    });
    const result = await runner.run(agent, 'What is the weather? @@tool:get_weather:{"city":"Paris"}');
    expect(calls).toEqual(["Paris"]);
    expect(result.finalOutput).toBe("Echo: tool result sunny in Paris");
    expect(responsesCalls()).toHaveLength(2);
    expect(stack.gateway.logs.some((line) => line.includes('"url":"/v1/responses"'))).toBe(true);
  });
});

describe("the Vercel AI SDK (@ai-sdk/openai, its default Responses model)", () => {
  const provider = () => createOpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: "unused" });

  it("generateText", async () => {
    const result = await generateText({ model: provider()(model), prompt: "hello from the AI SDK" });
    expect(result.text).toBe("Echo: hello from the AI SDK");
    expect(result.finishReason).toBe("stop");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(stack.gateway.logs.some((line) => line.includes('"url":"/v1/responses"'))).toBe(true);
  });

  it("streamText", async () => {
    const result = streamText({ model: provider()(model), prompt: "streamed from the AI SDK" });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe("Echo: streamed from the AI SDK");
    expect(await result.finishReason).toBe("stop");
  });

  it("calls a tool and answers with its result", async () => {
    const cities: string[] = [];
    const result = await generateText({
      model: provider()(model),
      prompt: 'weather? @@tool:weather:{"city":"Rome"}',
      tools: {
        weather: tool({
          description: "Weather of a city",
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => {
            cities.push(city);
            return `rainy in ${city}`;
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    expect(cities).toEqual(["Rome"]);
    expect(result.steps[0]?.toolCalls.map((call) => call.input)).toEqual([{ city: "Rome" }]);
    expect(result.text).toContain("rainy in Rome");
  });
});
