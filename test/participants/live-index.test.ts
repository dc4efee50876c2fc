import { describe, expect, it } from "vitest";
import type { ParticipantPermission } from "../../src/core/grants.js";
import { createLiveIndex } from "../../src/participants/live-index.js";
import { record } from "./fixtures.js";

const perm = (canPublish: boolean): ParticipantPermission => ({
  canSubscribe: true, canPublish, canPublishData: canPublish, canPublishSources: [], hidden: false,
  recorder: false, canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
});

describe("live index", () => {
  it("refuses lookups before it is loaded", () => {
    expect(() => createLiveIndex().lookup("r1", "a")).toThrow(expect.objectContaining({ reason: "store_unavailable" }));
  });

  it("loads permissions with their update second and watermarks", () => {
    const index = createLiveIndex();
    index.load([{ room: "r1", identity: "a", version: 2, permission: perm(false), permissionAtSec: 100, revokedThrough: 90 }]);
    expect(index.lookup("r1", "a")).toEqual({ permission: perm(false), permissionAtSec: 100, revokedThrough: 90 });
    expect(index.lookup("r1", "b")).toBeUndefined();
  });

  it("never lowers a watermark", () => {
    const index = createLiveIndex();
    index.load([]);
    index.applyRevocation("r1", "a", 100);
    index.applyRevocation("r1", "a", 50);
    expect(index.lookup("r1", "a")?.revokedThrough).toBe(100);
    index.applyRevocation("r1", "a", 150);
    expect(index.lookup("r1", "a")?.revokedThrough).toBe(150);
    // A record carries no watermark; applying one leaves it as it was.
    index.applyRecord(record("a", { version: 9, adminPermission: { permission: perm(false), atSec: 200 } }));
    expect(index.lookup("r1", "a")?.revokedThrough).toBe(150);
  });

  it("never lets an older version's permission replace a newer one's", () => {
    const index = createLiveIndex();
    index.load([]);
    index.applyRecord(record("a", { version: 5, adminPermission: { permission: perm(false), atSec: 200 } }));
    index.applyRecord(record("a", { version: 4, adminPermission: { permission: perm(true), atSec: 150 } }));
    index.applyRecord(record("a", { version: 5, adminPermission: { permission: perm(true), atSec: 210 } }));
    expect(index.lookup("r1", "a")).toEqual({ permission: perm(false), permissionAtSec: 200 });
    index.applyRecord(record("a", { version: 6, adminPermission: { permission: perm(true), atSec: 300 } }));
    expect(index.lookup("r1", "a")).toEqual({ permission: perm(true), permissionAtSec: 300 });
  });

  it("reports the newest version it holds, never going back, and 0 for a participant it does not track", () => {
    const index = createLiveIndex();
    index.load([]);
    expect(index.versionOf("r1", "a")).toBe(0);
    index.applyRecord(record("a", { version: 5, adminPermission: { permission: perm(false), atSec: 200 } }));
    index.applyRecord(record("a", { version: 4, adminPermission: { permission: perm(true), atSec: 150 } }));
    expect(index.versionOf("r1", "a")).toBe(5);
  });

  it("keeps the admin permission across a rejoin with a newer token, which stores no new one", () => {
    const index = createLiveIndex();
    index.load([{ room: "r1", identity: "a", version: 2, permission: perm(false), permissionAtSec: 100 }]);
    index.applyRecord(record("a", { version: 3, video: { roomJoin: true, room: "r1", canPublish: true }, adminPermission: { permission: perm(false), atSec: 100 } }));
    expect(index.lookup("r1", "a")).toEqual({ permission: perm(false), permissionAtSec: 100 });
  });

  it("does not track participants nobody updated or revoked", () => {
    const index = createLiveIndex();
    index.load([]);
    index.applyRecord(record("a", { version: 1 }));
    expect(index.lookup("r1", "a")).toBeUndefined();
  });
});
