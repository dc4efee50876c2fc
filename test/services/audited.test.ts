import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog, type AuditLog } from "../../src/audit/audit-log.js";
import { openAuditSink } from "../../src/audit/audit-sink.js";
import { manualClock } from "../../src/core/clock.js";
import { grantMissing, invalidArgument, RoomgateError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/log.js";
import { auditDenial, auditedChange, isDenial } from "../../src/services/audited.js";

let dir: string;
let path: string;
let audit: AuditLog;
const lines = (): Record<string, unknown>[] => readFileSync(path, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const strip = ({ time: _t, instance: _i, ...rest }: Record<string, unknown>) => rest;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-audited-"));
  path = join(dir, "audit.log");
  audit = createAuditLog({ sink: openAuditSink(path, { fsync: false }), clock: manualClock(0), instance: "i", log: silentLogger });
});
afterEach(() => {
  audit.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("isDenial", () => {
  it("refusals of the caller are denials; bad requests, missing participants and outages are not", () => {
    for (const r of ["caller_unauthenticated", "grant_missing", "policy_denied", "token_expired", "token_revoked", "token_malformed"] as const) {
      expect(isDenial(new RoomgateError(r))).toBe(true);
    }
    for (const r of ["invalid_argument", "participant_not_found", "store_unavailable", "audit_unavailable", "internal"] as const) {
      expect(isDenial(new RoomgateError(r))).toBe(false);
    }
    expect(isDenial(new Error("bug"))).toBe(false);
  });
});

describe("auditDenial", () => {
  it("writes caller.denied for a refusal, with the action, and rethrows it", async () => {
    const err = grantMissing("roomAdmin", "r");
    await expect(auditDenial(audit, "participant.remove", { room: "r", identity: "a" }, () => Promise.reject(err))).rejects.toBe(err);
    expect(lines().map(strip)).toEqual([{ event: "caller.denied", outcome: "denied", reason: "grant_missing", action: "participant.remove", room: "r", identity: "a" }]);
  });

  it("writes nothing for a success or for a failure that is not a refusal", async () => {
    expect(await auditDenial(audit, "participant.update", {}, () => 7)).toBe(7);
    await expect(auditDenial(audit, "participant.update", {}, () => Promise.reject(invalidArgument("room", "is required")))).rejects.toThrow();
    expect(lines()).toEqual([]);
  });
});

describe("auditedChange", () => {
  it("writes the allowed line before the change runs", async () => {
    let seenBefore: number | undefined;
    const out = await auditedChange(audit, { event: "participant.update", outcome: "allowed", room: "r" }, async () => {
      seenBefore = lines().length;
      return "done";
    });
    expect([out, seenBefore]).toEqual(["done", 1]);
  });

  it("a failed change gets a second line, outcome failed with its reason, and the error is rethrown", async () => {
    const err = new RoomgateError("store_unavailable");
    await expect(auditedChange(audit, { event: "participant.remove", outcome: "allowed", room: "r" }, () => Promise.reject(err))).rejects.toBe(err);
    expect(lines().map(strip)).toEqual([
      { event: "participant.remove", outcome: "allowed", room: "r" },
      { event: "participant.remove", outcome: "failed", room: "r", reason: "store_unavailable" },
    ]);
  });

  it("when the line cannot be written the change never runs", async () => {
    const full = createAuditLog({ sink: openAuditSink("/dev/full", { fsync: false }), clock: manualClock(0), instance: "i", log: silentLogger });
    let ran = false;
    await expect(auditedChange(full, { event: "token.create", outcome: "allowed" }, async () => {
      ran = true;
    })).rejects.toMatchObject({ reason: "audit_unavailable" });
    expect(ran).toBe(false);
    full.close();
  });
});
