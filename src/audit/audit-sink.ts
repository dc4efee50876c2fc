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

function writeAll(fd: number, bytes: Buffer): void {
  let off = 0;
  let waited = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN" || waited >= EAGAIN_WAIT_MS) throw err;
      Atomics.wait(PAUSE, 0, 0, 1);
      waited++;
    }
  }
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
  return {
    write(line) {
      writeAll(fd, Buffer.from(line, "utf8"));
      if (opts.fsync && !stdout) fsyncSync(fd);
    },
    reopen() {
      if (stdout) return false;
      const next = open();
      const old = fd;
      fd = next;
      closeSync(old);
      return true;
    },
    close() {
      if (!stdout) closeSync(fd);
    },
  };
}
