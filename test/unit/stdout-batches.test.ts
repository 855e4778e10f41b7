import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { batchedWriter } from "../../src/stdout-batches.js";
import { waitFor } from "../helpers/wait.js";

let directory: string | undefined;
afterEach(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

function tempFile(): { path: string; fd: number } {
  directory = mkdtempSync(join(tmpdir(), "aegis-batches-"));
  const path = join(directory, "out.log");
  return { path, fd: openSync(path, "w") };
}

const options = { batchBytes: 256, flushAfterMs: 20, backlogBytes: 1024 * 1024 };

describe("batchedWriter", () => {
  it("writes every line, in order, in batches, the last one after flushAfterMs", async () => {
    const { path, fd } = tempFile();
    const writer = batchedWriter(fd, options);
    const lines = Array.from({ length: 500 }, (_, i) => `{"n":${i},"text":"héllo"}\n`);
    for (const line of lines) writer.write(line);
    await waitFor(() => readFileSync(path, "utf8").length >= lines.join("").length, 3000);
    expect(readFileSync(path, "utf8")).toBe(lines.join(""));
    closeSync(fd);
  });

  it("writes what waits on flushSync, at once", () => {
    const { path, fd } = tempFile();
    const writer = batchedWriter(fd, { ...options, flushAfterMs: 60_000 });
    writer.write("one\n");
    writer.write("two\n");
    expect(readFileSync(path, "utf8")).toBe("");
    writer.flushSync();
    expect(readFileSync(path, "utf8")).toBe("one\ntwo\n");
    closeSync(fd);
  });

  it("gives up quietly on a descriptor that cannot be written", async () => {
    // Every write to /dev/full fails (ENOSPC), as writes to a pipe nobody reads fail with EPIPE.
    const fd = openSync("/dev/full", "w");
    const writer = batchedWriter(fd, { ...options, batchBytes: 8 });
    writer.write("a line longer than a batch\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    writer.write("another\n");
    expect(() => writer.flushSync()).not.toThrow();
    closeSync(fd);
  });

  it("drops lines past the backlog and says how many when it writes again", () => {
    const { path, fd } = tempFile();
    const writer = batchedWriter(fd, { batchBytes: 1024, flushAfterMs: 60_000, backlogBytes: 10 });
    writer.write("12345\n");
    writer.write("67890\n");
    writer.write("abcde\n");
    writer.flushSync();
    const written = readFileSync(path, "utf8").split("\n");
    expect(written[0]).toBe("12345");
    expect(JSON.parse(written[1] ?? "null")).toMatchObject({
      msg: "log lines dropped: stdout was not read",
      dropped: 2,
    });
    closeSync(fd);
  });
});
