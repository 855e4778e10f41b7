import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { CallWatch } from "../../src/bedrock/call-watch.js";
import { converseEvents } from "../../src/bedrock/lean/event-stream.js";
import { WatchedEvents } from "../../src/bedrock/watched-events.js";
import { eventFrame, exceptionFrame } from "../../src/emulator/eventstream.js";

const delta = (text: string) => eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text } });
const textOf = (event: ConverseStreamOutput | undefined) => event?.contentBlockDelta?.delta?.text;

/** The lean transport's events behind the AI_RESPONSE_TIMEOUT watch, as the gateway stacks them. */
function stream(reads: Uint8Array[][]) {
  const watch = new CallWatch(undefined);
  const seen: (string | undefined)[] = [];
  const ends: unknown[] = [];
  async function* body() {
    for (const read of reads) yield Buffer.concat(read);
  }
  const events = new WatchedEvents(converseEvents(body()), watch, 10_000, () => new Error("silent"), {
    event: (event) => seen.push(textOf(event)),
    end: (error) => ends.push(error),
  });
  return { watch, events, seen, ends };
}

describe("events taken while their bytes are in hand (nextBuffered)", () => {
  it("hands out the events of a read synchronously, in order, each seen once, then waits for the next read", async () => {
    const { events, seen, ends } = stream([[delta("a"), delta("b")], [delta("c")]]);
    expect(events.nextBuffered()).toBeUndefined(); // nothing read yet
    expect(textOf((await events.next()).value)).toBe("a");
    expect(textOf(events.nextBuffered())).toBe("b");
    expect(events.nextBuffered()).toBeUndefined();
    expect(textOf((await events.next()).value)).toBe("c");
    expect((await events.next()).done).toBe(true);
    expect(events.nextBuffered()).toBeUndefined();
    expect(seen).toEqual(["a", "b", "c"]);
    expect(ends).toEqual([undefined]);
  });

  it("reports an exception frame from next(), after the events before it", async () => {
    const failing = exceptionFrame("throttlingException", { message: "slow down" });
    const { events, seen, ends } = stream([[delta("a"), delta("b"), failing, delta("never")]]);
    expect(textOf((await events.next()).value)).toBe("a");
    expect(textOf(events.nextBuffered())).toBe("b");
    expect(events.nextBuffered()).toBeUndefined();
    await expect(events.next()).rejects.toMatchObject({ name: "ThrottlingException" });
    expect(events.nextBuffered()).toBeUndefined();
    expect(seen).toEqual(["a", "b"]);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ name: "ThrottlingException" });
  });

  it("hands out nothing more once the call is cut: next() says why", async () => {
    const { watch, events, seen, ends } = stream([[delta("a"), delta("b"), delta("c")]]);
    expect(textOf((await events.next()).value)).toBe("a");
    watch.cut(new Error("draining"));
    expect(events.nextBuffered()).toBeUndefined();
    await expect(events.next()).rejects.toThrow("draining");
    expect(seen).toEqual(["a"]);
    // The end is reported once (the upstream call is aborted with the cut).
    expect(ends).toHaveLength(1);
  });
});
