import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

/** Where audit lines go: a synchronous append that throws when the bytes cannot be written. */
export interface AuditSink {
  /** Writes all of `line` (one `write`, retried for partial writes); throws on any failure. */
  write(line: string): void;
  /** Opens the path again (log rotation); false when there is nothing to reopen (stdout). Keeps the old file and throws when the new one cannot be opened. */
  reopen(): boolean;
  close(): void;
}

// A non-blocking stdout pipe may refuse a write for a moment; wait this long in all before failing closed.
const EAGAIN_WAIT_MS = 1000;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** A `write(2)`-like call: writes up to `length` bytes of `bytes` from `offset`, returns how many it wrote, throws on failure. */
export type WriteCall = (bytes: Buffer, offset: number, length: number) => number;

/**
 * Writes whole lines through `write`, retrying partial writes (and EAGAIN for up to a second). A line
 * cut short by a failure leaves its head in the file; the next line then starts with a newline, so
 * only the cut line is damaged, never the one after it.
 */
export function lineWriter(write: WriteCall): (line: string) => void {
  let torn = false;
  return (line) => {
    const bytes = Buffer.from(torn ? `\n${line}` : line, "utf8");
    let off = 0;
    let waited = 0;
    while (off < bytes.length) {
      try {
        off += write(bytes, off, bytes.length - off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN" || waited >= EAGAIN_WAIT_MS) {
          if (off > 0) torn = true;
          throw err;
        }
        Atomics.wait(PAUSE, 0, 0, 1);
        waited++;
      }
    }
    torn = false;
  };
}

/**
 * An append-only audit file (`-` is stdout). Lines are written with a
 * synchronous `write` before the caller goes on, so a full disk fails the
 * request rather than losing its record; `fsync` opts into one fsync per line.
 */
export function openAuditSink(path: string, opts: { fsync: boolean }): AuditSink {
  const stdout = path === "-";
  const open = (): number => (stdout ? 1 : openSync(path, "a", 0o600));
  let fd = open();
  const writeTo = (): ((line: string) => void) => lineWriter((bytes, offset, length) => writeSync(fd, bytes, offset, length));
  let writeLine = writeTo();
  return {
    write(line) {
      writeLine(line);
      if (opts.fsync && !stdout) fsyncSync(fd);
    },
    reopen() {
      if (stdout) return false;
      const next = open();
      const old = fd;
      fd = next;
      // A line cut short in the old file does not concern the new one.
      writeLine = writeTo();
      closeSync(old);
      return true;
    },
    close() {
      if (!stdout) closeSync(fd);
    },
  };
}
