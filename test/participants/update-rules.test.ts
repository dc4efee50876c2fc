import { describe, expect, it } from "vitest";
import { DEFAULT_PARTICIPANT_SETTINGS } from "../../src/config/server-config.js";
import type { ParticipantPermission } from "../../src/core/grants.js";
import { applyUpdate, checkUpdateLimits, sameContent } from "../../src/participants/update-rules.js";
import { record, T0_MS } from "./fixtures.js";

const limits = { nameBytes: 8, metadataBytes: 10, attributesBytes: 6 };
const noPerms: ParticipantPermission = {
  canSubscribe: true, canPublish: false, canPublishData: false, canPublishSources: [], hidden: false,
  recorder: false, canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
};

describe("checkUpdateLimits", () => {
  it("uses LiveKit's defaults", () => {
    expect(DEFAULT_PARTICIPANT_SETTINGS.limits).toEqual({ nameBytes: 256, metadataBytes: 524288, attributesBytes: 65536 });
  });

  it("accepts values exactly at the limits, counting UTF-8 bytes", () => {
    expect(() => checkUpdateLimits({ name: "ééééé".slice(0, 4), metadata: "x".repeat(10), attributes: { abc: "def" } }, limits)).not.toThrow();
  });

  it.each([
    ["name", { name: "ééééé" }, "invalid argument: name exceeds 8 bytes"],
    ["metadata", { metadata: "x".repeat(11) }, "invalid argument: metadata exceeds 10 bytes"],
    ["attributes", { attributes: { ab: "c", d: "efg" } }, "invalid argument: attributes exceed 6 bytes in total"],
  ])("names the field %s when over its limit", (field, update, message) => {
    expect(() => checkUpdateLimits(update, limits)).toThrow(
      expect.objectContaining({ reason: "invalid_argument", code: "INVALID_ARGUMENT", field, message }),
    );
  });

  it("counts deletions (empty values) toward the attribute total by their key", () => {
    expect(() => checkUpdateLimits({ attributes: { abcdefg: "" } }, limits)).toThrow(expect.objectContaining({ field: "attributes" }));
  });
});

describe("applyUpdate (LiveKit UpdateParticipant semantics)", () => {
  const cur = record("a", { name: "Ann", metadata: "meta", attributes: { keep: "1", drop: "2" }, version: 4 });

  it("leaves name and metadata when empty and merges attributes, deleting empty values", () => {
    const next = applyUpdate(cur, { name: "", metadata: "", attributes: { drop: "", add: "3", keep: "1b" } }, T0_MS + 9);
    expect(next).toEqual({ ...cur, attributes: { keep: "1b", add: "3" }, updatedAtMs: T0_MS + 9 });
    expect(cur.attributes).toEqual({ keep: "1", drop: "2" });
  });

  it("sets non-empty name and metadata", () => {
    expect(applyUpdate(cur, { name: "Bea", metadata: "m2" }, T0_MS)).toMatchObject({ name: "Bea", metadata: "m2" });
  });

  it("replaces the whole permission set, making every tri-state explicit, and keeps room fields", () => {
    const wide = record("a", { video: { roomJoin: true, room: "r1", roomAdmin: true, canPublishSources: ["camera"], canUpdateOwnMetadata: true } });
    const next = applyUpdate(wide, { permission: { ...noPerms, canPublishData: true } }, T0_MS);
    expect(next.video).toEqual({
      roomJoin: true, room: "r1", roomAdmin: true, canPublish: false, canSubscribe: true, canPublishData: true,
      canUpdateOwnMetadata: false, hidden: false, recorder: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
    });
    expect(next.adminPermission).toEqual({ permission: { ...noPerms, canPublishData: true }, atSec: T0_MS / 1000 });
  });

  it("writes an UNKNOWN source back as the participant's own unrecognised source strings, in order, else as unknown", () => {
    const odd = record("a", { video: { roomJoin: true, room: "r1", canPublishSources: ["hologram", "camera", "Smell"] } });
    const next = applyUpdate(odd, { permission: { ...noPerms, canPublish: true, canPublishSources: ["unknown", "microphone", "unknown", "unknown"] } }, T0_MS);
    expect(next.video.canPublishSources).toEqual(["hologram", "microphone", "Smell", "unknown"]);
    expect(next.adminPermission?.permission.canPublishSources).toEqual(["hologram", "microphone", "Smell", "unknown"]);
  });

  it("stamps the admin permission with the update's whole second", () => {
    expect(applyUpdate(cur, { permission: noPerms }, T0_MS + 1999).adminPermission).toEqual({ permission: noPerms, atSec: T0_MS / 1000 + 1 });
    expect(applyUpdate(cur, { metadata: "m" }, T0_MS).adminPermission).toBeUndefined();
  });

  it("never stamps an update earlier than the record's last change or the previous admin update (a clock stepped back)", () => {
    const later = { ...cur, updatedAtMs: T0_MS + 10_500 };
    expect(applyUpdate(later, { permission: noPerms }, T0_MS).adminPermission?.atSec).toBe(T0_MS / 1000 + 10);
    const stamped = { ...cur, adminPermission: { permission: noPerms, atSec: T0_MS / 1000 + 20 } };
    expect(applyUpdate(stamped, { permission: { ...noPerms, canPublish: true } }, T0_MS).adminPermission?.atSec).toBe(T0_MS / 1000 + 20);
  });

  it("keeps an earlier admin permission through an update that sets none", () => {
    const updated = applyUpdate(cur, { permission: noPerms }, T0_MS);
    expect(applyUpdate(updated, { metadata: "m" }, T0_MS + 5000).adminPermission).toEqual({ permission: noPerms, atSec: T0_MS / 1000 });
  });

  it("counts a repeated permission in a later second as a change: it governs the tokens issued in between", () => {
    const updated = applyUpdate(cur, { permission: noPerms }, T0_MS);
    expect(sameContent(updated, applyUpdate(updated, { permission: noPerms }, T0_MS + 999))).toBe(true);
    expect(sameContent(updated, applyUpdate(updated, { permission: noPerms }, T0_MS + 1000))).toBe(false);
  });

  it("sees no content change for an empty update", () => {
    expect(sameContent(cur, applyUpdate(cur, {}, T0_MS + 1))).toBe(true);
    expect(sameContent(cur, applyUpdate(cur, { attributes: { keep: "x" } }, T0_MS))).toBe(false);
    expect(sameContent(cur, applyUpdate(cur, { permission: noPerms }, T0_MS))).toBe(false);
  });

  it("compares grants whatever their key order", () => {
    const a = record("a", { video: { room: "r1", roomJoin: true } });
    const b = record("a", { video: { roomJoin: true, room: "r1" } });
    expect(sameContent(a, b)).toBe(true);
  });
});
