import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lineWriter, openAuditSink, type WriteCall } from "../../src/audit/audit-sink.js";

/** A file in memory whose writes follow a script: a number writes at most that many bytes, an error code throws. */
function scriptedFile(script: Array<number | string>) {
  let text = "";
  const write: WriteCall = (bytes, offset, length) => {
    const step = script.shift() ?? Infinity;
    if (typeof step === "string") throw Object.assign(new Error(step), { code: step });
    const n = Math.min(step, length);
    text += bytes.subarray(offset, offset + n).toString("utf8");
    return n;
  };
  return { write, text: () => text };
}

describe("audit line writer", () => {
  it("finishes a line over several partial writes", () => {
    const f = scriptedFile([3, 2, 100]);
    lineWriter(f.write)('{"a":1}\n');
    expect(f.text()).toBe('{"a":1}\n');
  });

  it("retries EAGAIN (a full pipe for a moment) and then writes the whole line", () => {
    const f = scriptedFile(["EAGAIN", "EAGAIN", 100]);
    lineWriter(f.write)("x\n");
    expect(f.text()).toBe("x\n");
  });

  it("throws when a line is cut short, and starts the next line on a new line so only the cut one is damaged", () => {
    const f = scriptedFile([4, "ENOSPC", 100, 100]);
    const write = lineWriter(f.write);
    expect(() => write('{"first":true}\n')).toThrow("ENOSPC");
    write('{"second":true}\n');
    write('{"third":true}\n');
    expect(f.text().split("\n")).toEqual(['{"fi', '{"second":true}', '{"third":true}', ""]);
  });

  it("adds no newline after a failure that wrote nothing", () => {
    const f = scriptedFile(["ENOSPC", 100]);
    const write = lineWriter(f.write);
    expect(() => write("a\n")).toThrow("ENOSPC");
    write("b\n");
    expect(f.text()).toBe("b\n");
  });
});

describe("audit file sink", () => {
  it("starts on a new line when the file it opens (or reopens) ends inside a line, as after a crash mid-write", () => {
    const dir = mkdtempSync(join(tmpdir(), "roomgate-audit-sink-"));
    try {
      const path = join(dir, "audit.log");
      writeFileSync(path, '{"whole":1}\n{"cut');
      const sink = openAuditSink(path, { fsync: false });
      sink.write('{"next":1}\n');
      writeFileSync(path, '{"cut-again', { flag: "a" });
      expect(sink.reopen()).toBe(true);
      sink.write('{"after-reopen":1}\n');
      sink.close();
      expect(readFileSync(path, "utf8").split("\n")).toEqual(['{"whole":1}', '{"cut', '{"next":1}', '{"cut-again', '{"after-reopen":1}', ""]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("adds nothing to a file that ends with a whole line, or is empty", () => {
    const dir = mkdtempSync(join(tmpdir(), "roomgate-audit-sink-"));
    try {
      const path = join(dir, "audit.log");
      const empty = openAuditSink(path, { fsync: false });
      empty.write("a\n");
      empty.close();
      const again = openAuditSink(path, { fsync: false });
      again.write("b\n");
      again.close();
      expect(readFileSync(path, "utf8")).toBe("a\nb\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
