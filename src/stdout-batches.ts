import { write, writeSync } from "node:fs";

export interface BatchedWriterOptions {
  /** A batch leaves as soon as it holds this many bytes... */
  batchBytes: number;
  /** ...or this long after its first line. */
  flushAfterMs: number;
  /** Lines waiting past this (the reader of the file descriptor stalls) are dropped and counted. */
  backlogBytes: number;
}

export interface BatchedWriter {
  write(line: string): void;
  /** Writes what is waiting, once, synchronously; for the process's exit. Never throws, never waits. */
  flushSync(): void;
}

/**
 * Lines to a file descriptor (stdout) in batches: a write per batch instead of per line, each an asynchronous
 * write on libuv's thread pool, so a slow reader never blocks the event loop. Written here rather than with
 * pino's sonic-boom because sonic-boom's synchronous flush, which pino runs when the process exits, retries
 * every error but EAGAIN forever: with lines batched and stdout's reader gone (EPIPE), the gateway never exited.
 * Here a closed or broken descriptor stops the logging, and the exit flush makes one attempt.
 */
export function batchedWriter(fd: number, options: BatchedWriterOptions): BatchedWriter {
  let waiting = "";
  /** Bytes of a batch the descriptor took only in part, to go first. */
  let unwritten: Buffer | undefined;
  let writing = false;
  let broken = false;
  let dropped = 0;
  let flushScheduled = false;

  const takeBatch = (): Buffer | undefined => {
    let text = waiting;
    waiting = "";
    if (dropped > 0) {
      text += `${JSON.stringify({ level: 40, time: Date.now(), msg: "log lines dropped: stdout was not read", dropped })}\n`;
      dropped = 0;
    }
    const bytes = text === "" ? undefined : Buffer.from(text, "utf8");
    if (!unwritten) return bytes;
    const batch = bytes ? Buffer.concat([unwritten, bytes]) : unwritten;
    unwritten = undefined;
    return batch;
  };

  const flush = () => {
    flushScheduled = false;
    if (writing || broken) return;
    const batch = takeBatch();
    if (!batch) return;
    writing = true;
    write(fd, batch, 0, batch.length, null, (error, written) => {
      writing = false;
      if (error) {
        if (error.code === "EAGAIN") {
          // A non-blocking pipe that is full: the same bytes again, a little later.
          unwritten = batch;
          schedule(options.flushAfterMs);
          return;
        }
        // EPIPE, EBADF: nobody will read these lines.
        broken = true;
        waiting = "";
        unwritten = undefined;
        return;
      }
      if (written < batch.length) unwritten = batch.subarray(written);
      if (unwritten || waiting.length >= options.batchBytes) schedule(0);
      // Lines that came during the write: their flush may have fired while the write was in flight.
      else if (waiting !== "" || dropped > 0) schedule(options.flushAfterMs);
    });
  };

  const schedule = (delayMs: number) => {
    if (flushScheduled) return;
    flushScheduled = true;
    if (delayMs === 0) setImmediate(flush);
    else setTimeout(flush, delayMs).unref();
  };

  return {
    write(line) {
      if (broken) return;
      if (waiting.length + line.length > options.backlogBytes) {
        dropped++;
        return;
      }
      waiting += line;
      if (waiting.length >= options.batchBytes && !writing) flush();
      else schedule(options.flushAfterMs);
    },
    flushSync() {
      if (broken) return;
      const batch = takeBatch();
      if (!batch) return;
      try {
        writeSync(fd, batch);
      } catch {
        // At exit there is no one left to tell.
      }
    },
  };
}
