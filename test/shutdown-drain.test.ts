import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/emulator/server.js";
import { chatRequest, type DialectName, openLongStream, streamErrorOf } from "./helpers/dialect-calls.js";
import { emulatorEnvironment } from "./helpers/gateway.js";
import { RawConnection } from "./helpers/raw-http.js";
import { type MainProcess, startMain } from "./helpers/spawn.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(() => emulator.close());

let main: MainProcess | undefined;
afterEach(async () => {
  await main?.stop();
  main = undefined;
});

const exitOf = (process: MainProcess["process"]) =>
  new Promise<number | null>((resolve) => {
    if (process.exitCode !== null) resolve(process.exitCode);
    else process.once("exit", (code) => resolve(code));
  });

describe("draining on SIGTERM", () => {
  it("streams still open at SHUTDOWN_DRAIN_TIMEOUT end with a dialect error event, then the process exits 0", async () => {
    main = await startMain({ ...emulatorEnvironment(emulator), SHUTDOWN_DRAIN_TIMEOUT: "1s" });
    const streams = {
      openai: (await openLongStream(main.url, "openai")).rest,
      anthropic: (await openLongStream(main.url, "anthropic")).rest,
    };
    const exited = exitOf(main.process);
    main.process.kill("SIGTERM");
    for (const dialect of ["openai", "anthropic"] as const) {
      // The body ends cleanly (no reset) with the dialect's error event as its last frame.
      const text = await streams[dialect];
      const error = streamErrorOf(dialect, text);
      expect(error?.type).toBe(dialect === "openai" ? "service_unavailable_error" : "overloaded_error");
      expect(error?.message).toContain("shutting down");
    }
    expect(await exited).toBe(0);
  });

  it("a second signal exits at once, without waiting for the drain", async () => {
    main = await startMain({ ...emulatorEnvironment(emulator), SHUTDOWN_DRAIN_TIMEOUT: "60s" });
    const { rest } = await openLongStream(main.url, "openai");
    rest.catch(() => undefined);
    const exited = exitOf(main.process);
    main.process.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(main.process.exitCode).toBeNull();
    main.process.kill("SIGINT");
    const code = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(() => resolve("hung"), 5_000)),
    ]);
    expect(code).toBe(1);
  });

  it("a new request on a kept-alive connection during the drain gets 503 in its dialect and Connection: close", async () => {
    main = await startMain({ ...emulatorEnvironment(emulator), SHUTDOWN_DRAIN_TIMEOUT: "10s" });
    const request = (dialect: DialectName, text: string) => {
      const { path, body } = chatRequest(dialect, text, false);
      const json = JSON.stringify(body);
      return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
    };
    // Per dialect, two requests on one kept-alive connection: the first is in flight when SIGTERM comes, the
    // second is sent after it, while the server drains (the connection is busy, so closing idle ones spared it).
    const dialects = ["openai", "anthropic"] as const;
    const connections = await Promise.all(dialects.map(() => RawConnection.open(main!.url)));
    for (const [i, dialect] of dialects.entries())
      connections[i]!.write(request(dialect, "first @@stall:1500"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = exitOf(main.process);
    main.process.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const [i, dialect] of dialects.entries()) connections[i]!.write(request(dialect, "second"));
    for (const [i, dialect] of dialects.entries()) {
      const connection = connections[i]!;
      await connection.waitFor((c) => c.closed, 5_000);
      const responses = connection.text.split(/(?=HTTP\/1\.1 )/);
      expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /);
      expect(responses[1]).toMatch(dialect === "openai" ? /^HTTP\/1\.1 503 / : /^HTTP\/1\.1 529 /);
      expect(responses[1]).toMatch(/\r\nconnection: close\r\n/i);
      expect(responses[1]).toContain(dialect === "openai" ? "service_unavailable_error" : "overloaded_error");
      expect(responses[1]).toContain("shutting down");
    }
    expect(await exited).toBe(0);
  });
});
