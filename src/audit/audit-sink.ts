import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";

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
 * only the cut line is damaged, never the one after it. `startsTorn`: the file already ends inside a line.
 */
export function lineWriter(write: WriteCall, startsTorn = false): (line: string) => void {
  let torn = startsTorn;
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
  // A file left ending mid-line (a crash, or a write cut short before a reopen of the same path) gets a newline first.
  // Not knowing (a file that cannot be read back, a device) is no reason to refuse lines.
  const endsMidLine = (): boolean => {
    if (stdout) return false;
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile() || stat.size === 0) return false;
      const reader = openSync(path, "r");
      try {
        const last = Buffer.alloc(1);
        readSync(reader, last, 0, 1, stat.size - 1);
        return last[0] !== 0x0a;
      } finally {
        closeSync(reader);
      }
    } catch {
      return false;
    }
  };
  const writeTo = (): ((line: string) => void) => lineWriter((bytes, offset, length) => writeSync(fd, bytes, offset, length), endsMidLine());
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
      writeLine = writeTo();
      closeSync(old);
      return true;
    },
    close() {
      if (!stdout) closeSync(fd);
    },
  };
}
