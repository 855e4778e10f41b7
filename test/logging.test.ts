import { afterEach, describe, expect, it } from "vitest";
import { type MainProcess, startMain } from "./helpers/spawn.js";
import { waitFor } from "./helpers/wait.js";

/** The real process writes its log lines to stdout in batches (src/logging.ts); none may be held back for good. */
let gateway: MainProcess | undefined;

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

const requestLines = (output: string) =>
  output.split("\n").filter((line) => line.includes('"msg":"request"') && line.includes('"url":"/health"'));

describe("log lines of the running gateway", () => {
  it("reach stdout while the gateway is quiet, though one line does not fill a batch", async () => {
    gateway = await startMain({ AWS_REGION: "us-east-1" });
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(200);
    await waitFor(() => requestLines(gateway?.output() ?? "").length === 1, 3000);
  });

  it("are all written when the gateway stops, batched or not", async () => {
    gateway = await startMain({ AWS_REGION: "us-east-1" });
    const count = 40;
    for (let i = 0; i < count; i++) await (await fetch(`${gateway.url}/health`)).arrayBuffer();
    const child = gateway.process;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(requestLines(gateway.output())).toHaveLength(count);
  });

  it("exits when asked to stop though nobody reads its stdout any more", async () => {
    gateway = await startMain({ AWS_REGION: "us-east-1" });
    await (await fetch(`${gateway.url}/health`)).arrayBuffer();
    const child = gateway.process;
    const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    // The reading end of the pipe goes away: every write to stdout from now on fails with EPIPE, including
    // the batch still waiting when the process exits.
    child.stdout?.destroy();
    child.kill("SIGTERM");
    const outcome = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(() => resolve("still running after 10 s"), 10_000)),
    ]);
    expect(outcome).toBe(0);
  });
});
