import { setTimeout as sleep } from "node:timers/promises";
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { CallWatch } from "../../src/bedrock/call-watch.js";
import { WatchedEvents } from "../../src/bedrock/watched-events.js";

const silenceMs = 50;
const silence = () => new Error("silent");
const delta = (text: string): ConverseStreamOutput =>
  ({ contentBlockDelta: { contentBlockIndex: 0, delta: { text } } }) as ConverseStreamOutput;

/** Events with a pause before each, as Bedrock would send them. */
async function* bedrock(pausesMs: number[]): AsyncGenerator<ConverseStreamOutput> {
  for (const [index, pause] of pausesMs.entries()) {
    await sleep(pause);
    yield delta(String(index));
  }
}

function watched(pausesMs: number[]) {
  const watch = new CallWatch(undefined);
  const seen: string[] = [];
  const ends: unknown[] = [];
  const events = new WatchedEvents(bedrock(pausesMs), watch, silenceMs, silence, {
    event: (event) => seen.push(event.contentBlockDelta?.delta?.text ?? ""),
    end: (error) => ends.push(error),
  });
  return { watch, events, seen, ends };
}

describe("WatchedEvents", () => {
  it("hands out every event and reports the end once", async () => {
    const { events, seen, ends } = watched([0, 10, 10]);
    const texts: string[] = [];
    for await (const event of events) texts.push(event.contentBlockDelta?.delta?.text ?? "");
    expect(texts).toEqual(["0", "1", "2"]);
    expect(seen).toEqual(["0", "1", "2"]);
    expect(ends).toEqual([undefined]);
  });

  it("cuts the call when Bedrock stays silent past the bound, and says why", async () => {
    const { watch, events, ends } = watched([0, 10_000]);
    const iterator = events[Symbol.asyncIterator]();
    await iterator.next();
    await expect(iterator.next()).rejects.toThrow("silent");
    expect(watch.signal.aborted).toBe(true);
    expect(ends).toHaveLength(1);
    expect((ends[0] as Error).message).toBe("silent");
  });

  it("does not count the time the consumer takes between events (a slow client)", async () => {
    const { watch, events, ends } = watched([0, 0, 0]);
    const texts: string[] = [];
    for await (const event of events) {
      texts.push(event.contentBlockDelta?.delta?.text ?? "");
      await sleep(silenceMs * 3);
    }
    expect(texts).toEqual(["0", "1", "2"]);
    expect(watch.signal.aborted).toBe(false);
    expect(ends).toEqual([undefined]);
  });

  it("reports the end when the consumer leaves early, and when the call is abandoned unread", async () => {
    const early = watched([0, 0]);
    for await (const _ of early.events) break;
    expect(early.ends).toEqual([undefined]);

    const caller = new AbortController();
    const watch = new CallWatch(caller.signal);
    const ends: unknown[] = [];
    new WatchedEvents(bedrock([0]), watch, silenceMs, silence, { event: () => {}, end: (e) => ends.push(e) });
    caller.abort();
    expect(ends).toEqual([undefined]);
  });

  it("a cut from outside (the shutdown drain) ends a waiting step at once with its reason", async () => {
    const { watch, events, ends } = watched([10_000]);
    const step = events.next();
    watch.cut(new Error("draining"));
    await expect(step).rejects.toThrow("draining");
    expect(ends).toHaveLength(1);
  });
});
