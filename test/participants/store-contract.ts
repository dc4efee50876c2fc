import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toPermission } from "../../src/core/grants.js";
import type { AdminPermission } from "../../src/participants/model.js";
import type { ParticipantStore, UpdateResult } from "../../src/participants/store.js";
import { ISSUED, record, T0_MS } from "./fixtures.js";

// The admin decision as the store recorded it: a store may stamp the second with its own clock (Redis: TIME).
async function stampedAdmin(res: UpdateResult): Promise<AdminPermission> {
  if (res.status !== "ok" || !res.record.adminPermission) throw new Error(`the update was not stored with an admin permission: ${res.status}`);
  return res.record.adminPermission;
}

/** The behaviour every ParticipantStore implementation must show. */
export function describeStoreContract(name: string, open: () => Promise<{ store: ParticipantStore; cleanup: () => Promise<void> }>): void {
  describe(`${name}: ParticipantStore contract`, () => {
    let store: ParticipantStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it("returns undefined and an empty list for unknown participants and rooms", async () => {
      expect(await store.get("r1", "nobody")).toBeUndefined();
      expect(await store.listActive("r1")).toEqual([]);
      expect(await store.revokedThrough("r1", "nobody")).toBeUndefined();
      expect(await store.remove("r1", "nobody", { nowMs: T0_MS })).toBeUndefined();
    });

    it("inserts on first join with version 1 and keeps every field", async () => {
      const c = record("a", {
        metadata: "m",
        attributes: { k: "v" },
        kind: "agent",
        roomConfig: { name: "r1", emptyTimeout: 10, agents: [{ agentName: "x" }] },
        roomPreset: "preset",
        video: { roomJoin: true, room: "r1", canPublish: false, canPublishSources: ["camera"] },
      });
      const stored = await store.join(c, ISSUED);
      expect(stored).toEqual({ ...c, version: 1 });
      expect(await store.get("r1", "a")).toEqual(stored);
    });

    it("drops the optional fields a rejoin leaves out", async () => {
      await store.join(record("a", { roomConfig: { name: "r1", emptyTimeout: 10 }, roomPreset: "preset" }), ISSUED);
      const rejoined = await store.join(record("a"), ISSUED);
      expect(rejoined.roomConfig).toBeUndefined();
      expect(rejoined.roomPreset).toBeUndefined();
      expect((await store.get("r1", "a"))!.roomConfig).toBeUndefined();
      expect((await store.get("r1", "a"))!.roomPreset).toBeUndefined();
    });

    it("does not share objects with callers", async () => {
      const c = record("a", { attributes: { k: "v" } });
      await store.join(c, ISSUED);
      c.attributes.k = "changed";
      const got = (await store.get("r1", "a"))!;
      got.video.room = "elsewhere";
      expect((await store.get("r1", "a"))!.attributes.k).toBe("v");
      expect((await store.get("r1", "a"))!.video.room).toBe("r1");
    });

    it("lists only active participants of the room, ordered by identity", async () => {
      await store.join(record("c"), ISSUED);
      await store.join(record("a"), ISSUED);
      await store.join(record("b"), ISSUED);
      await store.join(record("x", { room: "r2", video: { roomJoin: true, room: "r2" } }), ISSUED);
      await store.remove("r1", "b", { nowMs: T0_MS + 1 });
      expect((await store.listActive("r1")).map((r) => r.identity)).toEqual(["a", "c"]);
      expect((await store.listActive("r2")).map((r) => r.identity)).toEqual(["x"]);
    });

    it("updates only at the expected version and bumps it", async () => {
      const v1 = await store.join(record("a"), ISSUED);
      const ok = await store.update({ ...v1, metadata: "one", updatedAtMs: T0_MS + 5 }, 1);
      expect(ok).toEqual({ status: "ok", record: { ...v1, metadata: "one", updatedAtMs: T0_MS + 5, version: 2 } });
      expect(await store.update({ ...v1, metadata: "stale" }, 1)).toEqual({ status: "conflict" });
      expect((await store.get("r1", "a"))!.metadata).toBe("one");
      expect(await store.update(record("ghost"), 0)).toEqual({ status: "missing" });
    });

    it("re-activates a removed participant with the new token's fields and a higher version", async () => {
      await store.join(record("a", { metadata: "old" }), ISSUED);
      await store.remove("r1", "a", { nowMs: T0_MS + 1000 });
      const again = await store.join(record("a", { metadata: "new", joinedAtMs: T0_MS + 2000, updatedAtMs: T0_MS + 2000 }), ISSUED);
      expect(again).toMatchObject({ state: "active", metadata: "new", version: 3, joinedAtMs: T0_MS + 2000 });
    });

    it("applies the admin permission to a join whose token was issued at or before the update, with the token's other grant fields", async () => {
      const v1 = await store.join(record("a"), ISSUED);
      const narrowedVideo = { roomJoin: true, room: "r1", canPublish: false, canSubscribe: true, canPublishData: false };
      const adminPermission = await stampedAdmin(await store.update({ ...v1, video: narrowedVideo, adminPermission: { permission: toPermission(narrowedVideo), atSec: ISSUED + 10 } }, 1));
      await store.remove("r1", "a", { nowMs: T0_MS + 11_000 });
      const rejoined = await store.join(record("a", { video: { roomJoin: true, room: "r1", canPublish: true, roomAdmin: true } }), adminPermission.atSec);
      expect(rejoined.adminPermission).toEqual(adminPermission);
      expect(rejoined.video.roomAdmin).toBe(true);
      expect(toPermission(rejoined.video)).toEqual(toPermission(narrowedVideo));
      expect(await store.get("r1", "a")).toEqual(rejoined);
    });

    it("starts the session from a join token issued after the update, keeping the update for older tokens", async () => {
      const v1 = await store.join(record("a"), ISSUED);
      const narrowedVideo = { roomJoin: true, room: "r1", canPublish: false };
      const adminPermission = await stampedAdmin(await store.update({ ...v1, video: narrowedVideo, adminPermission: { permission: toPermission(narrowedVideo), atSec: ISSUED + 10 } }, 1));
      const wide = { roomJoin: true, room: "r1", canPublish: true, canPublishSources: ["camera", "hologram"] };
      const rejoined = await store.join(record("a", { video: wide }), adminPermission.atSec + 1);
      expect(rejoined).toMatchObject({ video: wide, adminPermission, version: 3 });
      expect(await store.get("r1", "a")).toEqual(rejoined);
      expect(await store.loadLiveState()).toEqual([{ room: "r1", identity: "a", version: 3, permission: adminPermission.permission, permissionAtSec: adminPermission.atSec }]);
    });

    it("marks removed, bumps the version and keeps the record readable", async () => {
      await store.join(record("a"), ISSUED);
      const res = await store.remove("r1", "a", { nowMs: T0_MS + 7 });
      expect(res).toEqual({ record: expect.objectContaining({ state: "removed", version: 2, updatedAtMs: T0_MS + 7 }) });
      expect((await store.get("r1", "a"))!.state).toBe("removed");
    });

    it("removes only an active participant: a second removal changes nothing and returns undefined", async () => {
      await store.join(record("a"), ISSUED);
      await store.remove("r1", "a", { nowMs: T0_MS + 7 });
      expect(await store.remove("r1", "a", { nowMs: T0_MS + 8 })).toBeUndefined();
      expect(await store.remove("r1", "a", { nowMs: T0_MS + 9, revokeThroughSec: 5 })).toBeUndefined();
      expect(await store.get("r1", "a")).toMatchObject({ state: "removed", version: 2, updatedAtMs: T0_MS + 7 });
      expect(await store.revokedThrough("r1", "a")).toBeUndefined();
    });

    it("raises the revocation watermark to the max of old and new, with or without a removal", async () => {
      await store.join(record("a"), ISSUED);
      expect((await store.remove("r1", "a", { nowMs: T0_MS, revokeThroughSec: 100 }))!.revokedThrough).toBe(100);
      expect(await store.revoke("r1", "a", 50)).toBe(100);
      expect(await store.revoke("r1", "a", 150)).toBe(150);
      expect(await store.revokedThrough("r1", "a")).toBe(150);
      // A plain removal reports the watermark the identity already has.
      await store.join(record("a"), 151);
      expect((await store.remove("r1", "a", { nowMs: T0_MS }))!.revokedThrough).toBe(150);
      expect(await store.revoke("r9", "never-joined", 7)).toBe(7);
    });

    it("refuses a join whose token was issued at or below the watermark, in the same step, changing nothing", async () => {
      await store.join(record("a"), ISSUED);
      await store.remove("r1", "a", { nowMs: T0_MS + 1, revokeThroughSec: ISSUED });
      await expect(store.join(record("a"), ISSUED)).rejects.toMatchObject({ reason: "token_revoked", code: "UNAUTHENTICATED" });
      await expect(store.join(record("a"), ISSUED - 5)).rejects.toMatchObject({ reason: "token_revoked" });
      // A token with neither iat nor nbf cannot prove it came after the revocation.
      await expect(store.join(record("a"), undefined)).rejects.toMatchObject({ reason: "token_revoked" });
      expect(await store.get("r1", "a")).toMatchObject({ state: "removed", version: 2 });
      // Whole seconds, like the verifier: a fractional issue time in the watermark's second is still revoked.
      await expect(store.join(record("a"), ISSUED + 0.5)).rejects.toMatchObject({ reason: "token_revoked" });
      expect(await store.join(record("a"), ISSUED + 1)).toMatchObject({ state: "active", version: 3 });
    });

    it("refuses a join of an identity that never joined once it has a watermark", async () => {
      await store.revoke("r1", "never", ISSUED);
      await expect(store.join(record("never"), ISSUED)).rejects.toMatchObject({ reason: "token_revoked" });
      expect(await store.get("r1", "never")).toBeUndefined();
      expect(await store.join(record("other"), undefined)).toMatchObject({ state: "active" });
    });

    it("loads the live state: admin permissions and watermarks, nothing for untouched participants", async () => {
      const a = await store.join(record("a"), ISSUED);
      await store.join(record("b"), ISSUED);
      const stamped = await stampedAdmin(await store.update({ ...a, video: { ...a.video, canPublish: false }, adminPermission: { permission: toPermission({ canPublish: false }), atSec: 41 } }, 1));
      await store.revoke("r1", "c", 42);
      await store.join(record("d"), ISSUED);
      await store.remove("r1", "d", { nowMs: T0_MS, revokeThroughSec: 43 });
      const live = (await store.loadLiveState()).sort((x, y) => x.identity.localeCompare(y.identity));
      expect(live).toEqual([
        { room: "r1", identity: "a", version: 2, permission: toPermission({ canPublish: false }), permissionAtSec: stamped.atSec },
        { room: "r1", identity: "c", version: 0, revokedThrough: 42 },
        { room: "r1", identity: "d", version: 2, revokedThrough: 43 },
      ]);
    });

    it("fails with store_unavailable once closed", async () => {
      await store.close();
      await expect(store.get("r1", "a")).rejects.toMatchObject({ reason: "store_unavailable", code: "UNAVAILABLE" });
      await expect(store.join(record("a"), ISSUED)).rejects.toMatchObject({ reason: "store_unavailable" });
    });
  });
}
