import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog, type AuditLog } from "../../src/audit/audit-log.js";
import { openAuditSink } from "../../src/audit/audit-sink.js";
import { silentLogger } from "../../src/log.js";
import { auditedRemove, auditedUpdate } from "../../src/services/audited-participants.js";
import { harness, joinGrants, joinToken, type Harness } from "../participants/fixtures.js";

let dir: string;
let path: string;
let audit: AuditLog;
let h: Harness;
// The admin caller, as authorization hands it over (a verified token of the room admin).
let admin: ReturnType<typeof joinToken>;
const lines = (): Array<[unknown, unknown, unknown]> =>
  readFileSync(path, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).map((l) => [l.event, l.outcome, l.identity]);
const reasonOf = (p: Promise<unknown>) => p.then(() => "ok", (e: { reason?: string }) => e.reason);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-audited-participants-"));
  path = join(dir, "audit.log");
  h = await harness();
  audit = createAuditLog({ sink: openAuditSink(path, { fsync: false }), clock: h.clock, instance: "i", log: silentLogger });
  await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
  admin = joinToken(h.keys, h.clock, { identity: "admin", video: { roomAdmin: true, room: "r1" } });
});
afterEach(() => {
  audit.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("audited participant changes for someone not in the room", () => {
  it("an update or a plain removal of a participant not in the room is participant_not_found and writes no line", async () => {
    const d = { registry: h.registry, verifier: h.verifier, audit };
    expect(await reasonOf(auditedUpdate(d, admin, "r1", "nobody", { metadata: "m" }))).toBe("participant_not_found");
    expect(await reasonOf(auditedRemove(d, admin, "r1", "nobody", false))).toBe("participant_not_found");
    expect(await reasonOf(auditedRemove(d, admin, "r1", "a", false))).toBe("ok");
    expect(await reasonOf(auditedRemove(d, admin, "r1", "a", false))).toBe("participant_not_found");
    expect(lines()).toEqual([["participant.remove", "allowed", "a"]]);
  });

  it("a removal with revoke_tokens of someone not in the room is a change (the watermark) and is audited", async () => {
    const d = { registry: h.registry, verifier: h.verifier, audit, clock: h.clock };
    expect(await reasonOf(auditedRemove(d, admin, "r1", "leaked", true))).toBe("ok");
    expect(lines()).toEqual([["participant.remove", "allowed", "leaked"]]);
  });
});
