import { describe, expect, it } from "vitest";
import { createLimiter } from "../../src/fetch/limiter.js";

/** A task that runs until `finish` is called, noting when it started. */
function controlled(started: string[], name: string) {
  let finish = () => {};
  const done = new Promise<string>((resolve) => {
    finish = () => resolve(name);
  });
  return {
    task: () => {
      started.push(name);
      return done;
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("createLimiter", () => {
  it("runs at most `limit` tasks, and the waiting ones in arrival order", async () => {
    const run = createLimiter(2);
    const started: string[] = [];
    const tasks = ["a", "b", "c", "d"].map((name) => controlled(started, name));
    const results = tasks.map((t) => run(t.task));
    await tick();
    expect(started).toEqual(["a", "b"]);
    tasks[1]?.finish();
    await tick();
    expect(started).toEqual(["a", "b", "c"]);
    tasks[0]?.finish();
    tasks[2]?.finish();
    tasks[3]?.finish();
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d"]);
  });

  it("takes an aborted waiter out of the queue without giving it a slot", async () => {
    const run = createLimiter(1);
    const started: string[] = [];
    const first = controlled(started, "first");
    const queued = controlled(started, "queued");
    const next = controlled(started, "next");
    const controller = new AbortController();
    const running = run(first.task);
    const leaving = run(queued.task, controller.signal);
    const waiting = run(next.task);
    controller.abort(new Error("client went away"));
    await expect(leaving).rejects.toThrow("client went away");
    first.finish();
    await running;
    await tick();
    expect(started).toEqual(["first", "next"]);
    next.finish();
    await waiting;
    // Its slot came back: two more tasks in a row still run, one at a time.
    expect(await run(async () => "again")).toBe("again");
  });

  it("refuses a task whose signal is already aborted, and frees the slot of a failed task", async () => {
    const run = createLimiter(1);
    await expect(run(async () => "never", AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
    await expect(run(async () => Promise.reject(new Error("failed")))).rejects.toThrow("failed");
    expect(await run(async () => "free")).toBe("free");
  });
});
