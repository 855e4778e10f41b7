import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_GUARDRAIL } from "../src/emulator/converse/guardrail.js";
import { EMULATOR_CREDENTIALS, type Emulator, startEmulator } from "../src/emulator/server.js";

/** The emulator's test guardrail as the stock AWS SDK sees it: shapes, stop reasons, trace and errors. */

const modelId = "amazon.nova-lite-v1:0";
let emulator: Emulator;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  client = new BedrockRuntimeClient({
    endpoint: emulator.url,
    region: "us-east-1",
    credentials: EMULATOR_CREDENTIALS,
  });
});
afterAll(async () => {
  client.destroy();
  await emulator.close();
});

const ask = (text: string) => [{ role: "user" as const, content: [{ text }] }];
const guardrail = (trace: "enabled" | "disabled" | "enabled_full" = "enabled") => ({
  guardrailIdentifier: TEST_GUARDRAIL.id,
  guardrailVersion: "DRAFT",
  trace,
});

async function streamEvents(
  text: string,
  streamProcessingMode: "sync" | "async",
): Promise<ConverseStreamOutput[]> {
  const output = await client.send(
    new ConverseStreamCommand({
      modelId,
      messages: ask(text),
      guardrailConfig: { ...guardrail(), streamProcessingMode },
    }),
  );
  const events: ConverseStreamOutput[] = [];
  for await (const event of output.stream ?? []) events.push(event);
  return events;
}

const textOf = (events: ConverseStreamOutput[]) =>
  events.map((event) => event.contentBlockDelta?.delta?.text ?? "").join("");

describe("emulated guardrail", () => {
  it("blocks an input naming the marker before the model runs, with the input assessment", async () => {
    const output = await client.send(
      new ConverseCommand({
        modelId,
        messages: ask("About the Forbidden Fruit"),
        guardrailConfig: guardrail(),
      }),
    );
    expect(output.stopReason).toBe("guardrail_intervened");
    expect(output.output?.message?.content).toEqual([{ text: TEST_GUARDRAIL.blockedInputMessage }]);
    expect(output.usage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    expect(output.trace?.guardrail?.inputAssessment?.[TEST_GUARDRAIL.id]?.topicPolicy?.topics).toEqual([
      { name: TEST_GUARDRAIL.topicName, type: "DENY", action: "BLOCKED", detected: true },
    ]);
  });

  it("masks e-mail addresses in outputs and reports the entity in the output assessment", async () => {
    const output = await client.send(
      new ConverseCommand({ modelId, messages: ask("mail a@b.io"), guardrailConfig: guardrail() }),
    );
    expect(output.output?.message?.content).toEqual([{ text: "Echo: mail {EMAIL}" }]);
    expect(output.stopReason).toBe("guardrail_intervened");
    const [assessment] = output.trace?.guardrail?.outputAssessments?.[TEST_GUARDRAIL.id] ?? [];
    expect(assessment?.sensitiveInformationPolicy?.piiEntities).toEqual([
      { match: "a@b.io", type: "EMAIL", action: "ANONYMIZED", detected: true },
    ]);
    expect(output.trace?.guardrail?.modelOutput).toEqual(["Echo: mail a@b.io"]);
  });

  it("sends no trace when trace is disabled, and lists undetected policies when it is enabled_full", async () => {
    const quiet = await client.send(
      new ConverseCommand({ modelId, messages: ask("hello"), guardrailConfig: guardrail("disabled") }),
    );
    expect(quiet.trace).toBeUndefined();
    expect(quiet.stopReason).toBe("end_turn");
    const full = await client.send(
      new ConverseCommand({ modelId, messages: ask("hello"), guardrailConfig: guardrail("enabled_full") }),
    );
    expect(
      full.trace?.guardrail?.inputAssessment?.[TEST_GUARDRAIL.id]?.topicPolicy?.topics?.[0],
    ).toMatchObject({
      action: "NONE",
      detected: false,
    });
  });

  it("sync streams send only the blocked message; async streams send text first and do not mask", async () => {
    const sync = await streamEvents("one kumquat two", "sync");
    expect(textOf(sync)).toBe(TEST_GUARDRAIL.blockedOutputMessage);
    expect(sync.find((event) => event.messageStop)?.messageStop?.stopReason).toBe("guardrail_intervened");
    expect(sync.at(-1)?.metadata?.trace?.guardrail?.outputAssessments).toBeDefined();

    const cut = await streamEvents("one kumquat two", "async");
    expect(textOf(cut)).toBe(`Echo: one kumquat ${TEST_GUARDRAIL.blockedOutputMessage}`);
    expect(cut.find((event) => event.messageStop)?.messageStop?.stopReason).toBe("guardrail_intervened");

    const unmasked = await streamEvents("mail a@b.io", "async");
    expect(textOf(unmasked)).toBe("Echo: mail a@b.io");
  });

  it.each([
    [
      { guardrailIdentifier: "nosuchguardrail", guardrailVersion: "1" },
      ValidationException,
      /does not exist/,
    ],
    [
      { guardrailIdentifier: TEST_GUARDRAIL.id, guardrailVersion: "7" },
      ValidationException,
      /does not exist/,
    ],
    [
      { guardrailIdentifier: "Bad-Id", guardrailVersion: "1" },
      ValidationException,
      /regular expression pattern/,
    ],
    [
      {
        guardrailIdentifier: `arn:aws:bedrock:us-east-1:210987654321:guardrail/${TEST_GUARDRAIL.id}`,
        guardrailVersion: "1",
      },
      AccessDeniedException,
      /not authorized to perform: bedrock:ApplyGuardrail/,
    ],
  ])("refuses %j", async (guardrailConfig, exception, message) => {
    const error = await client
      .send(new ConverseCommand({ modelId, messages: ask("hi"), guardrailConfig }))
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(exception);
    expect((error as Error).message).toMatch(message);
  });
});
