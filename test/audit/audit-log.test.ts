import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/audit/audit-log.js";
import { openAuditSink } from "../../src/audit/audit-sink.js";
import { manualClock } from "../../src/core/clock.js";
import { RoomgateError } from "../../src/core/errors.js";
import { createLogger } from "../../src/log.js";

const T = Date.UTC(2026, 0, 1, 12, 0, 0);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-audit-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function logCapture() {
  const lines: string[] = [];
  return { log: createLogger({ level: "debug", now: () => T, write: (l) => lines.push(l) }), lines };
}

const readLines = (path: string): unknown[] => readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as unknown);

describe("audit log", () => {
  it("writes one JSON object per line with time (RFC 3339) and instance first", () => {
    const path = join(dir, "audit.log");
    const audit = createAuditLog({ sink: openAuditSink(path, { fsync: false }), clock: manualClock(T), instance: "gate-1:42", log: logCapture().log });
    audit.write({ event: "token.create", outcome: "allowed", caller: { client: "web" }, room: "r" });
    audit.note({ event: "caller.denied", outcome: "denied", reason: "policy_denied", action: "token.create" });
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")).toHaveLength(3);
    expect(text.startsWith('{"time":"2026-01-01T12:00:00.000Z","instance":"gate-1:42","event":"token.create"')).toBe(true);
    expect(readLines(path)).toEqual([
      { time: "2026-01-01T12:00:00.000Z", instance: "gate-1:42", event: "token.create", outcome: "allowed", caller: { client: "web" }, room: "r" },
      { time: "2026-01-01T12:00:00.000Z", instance: "gate-1:42", event: "caller.denied", outcome: "denied", reason: "policy_denied", action: "token.create" },
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    audit.close();
  });

  it("fails closed on a full device: write throws audit_unavailable and logs the error code", () => {
    const { log, lines } = logCapture();
    const audit = createAuditLog({ sink: openAuditSink("/dev/full", { fsync: false }), clock: manualClock(T), instance: "i", log });
    let caught: unknown;
    try {
      audit.write({ event: "participant.update", outcome: "allowed" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RoomgateError);
    expect((caught as RoomgateError).reason).toBe("audit_unavailable");
    expect((caught as RoomgateError).code).toBe("UNAVAILABLE");
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "error", msg: "audit line not written; refusing the change", event: "participant.update", code: "ENOSPC" });
    // A note (denials, failed changes) does not change the call's answer.
    expect(() => audit.note({ event: "caller.denied", outcome: "denied" })).not.toThrow();
    audit.close();
  });

  it("reopen after a rename writes to a new file at the path; the old lines stay in the renamed one", () => {
    const path = join(dir, "audit.log");
    const { log, lines } = logCapture();
    const audit = createAuditLog({ sink: openAuditSink(path, { fsync: true }), clock: manualClock(T), instance: "i", log });
    audit.write({ event: "token.create", outcome: "allowed", n: 1 });
    renameSync(path, `${path}.1`);
    audit.write({ event: "token.create", outcome: "allowed", n: 2 });
    expect(existsSync(path)).toBe(false);
    audit.reopen();
    audit.write({ event: "token.create", outcome: "allowed", n: 3 });
    expect(readLines(`${path}.1`).map((l) => (l as { n: number }).n)).toEqual([1, 2]);
    expect(readLines(path).map((l) => (l as { n: number }).n)).toEqual([3]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", msg: "audit log reopened" });
    audit.close();
  });

  it("a reopen that cannot open the path keeps writing to the old file and logs an error", () => {
    const sub = join(dir, "sub");
    mkdirSync(sub);
    const path = join(sub, "audit.log");
    const { log, lines } = logCapture();
    const audit = createAuditLog({ sink: openAuditSink(path, { fsync: false }), clock: manualClock(T), instance: "i", log });
    audit.write({ event: "token.create", outcome: "allowed", n: 1 });
    renameSync(path, join(dir, "audit.log.1"));
    rmSync(sub, { recursive: true });
    audit.reopen();
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: "error", msg: "audit log not reopened; still writing to the old file", code: "ENOENT" });
    audit.write({ event: "token.create", outcome: "allowed", n: 2 });
    expect(readLines(join(dir, "audit.log.1")).map((l) => (l as { n: number }).n)).toEqual([1, 2]);
    audit.close();
  });

  it("a path that cannot be opened is an error at once", () => {
    expect(() => openAuditSink(join(dir, "missing", "audit.log"), { fsync: false })).toThrow(/ENOENT/);
  });
});
