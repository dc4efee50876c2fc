import { describe, expect, it, vi } from "vitest";
import { DEFAULT_TOKEN_POLICY, verifyJwt } from "../../src/core/jwt.js";
import type { ParticipantPermission } from "../../src/core/grants.js";
import type { ParticipantEvent } from "../../src/participants/events.js";
import type { WatchEvent } from "../../src/participants/watchers.js";
import { createMemoryParticipantStore } from "../../src/participants/memory-store.js";
import { MAX_UPDATE_ATTEMPTS } from "../../src/participants/registry.js";
import { DEFAULT_PARTICIPANT_SETTINGS } from "../../src/config/server-config.js";
import { API_KEY, harness, joinGrants, joinToken, T0_MS } from "./fixtures.js";

const subscribeOnly: ParticipantPermission = {
  canSubscribe: true, canPublish: false, canPublishData: false, canPublishSources: [], hidden: false,
  recorder: false, canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
};

function collect(): { events: ParticipantEvent[]; listener: (e: ParticipantEvent) => void } {
  const events: ParticipantEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}

describe("registry: join", () => {
  it("registers the participant and returns a refreshed token signed with the default key", async () => {
    const h = await harness();
    const seen = collect();
    h.events.subscribe("r1", "a", seen.listener);
    const t = joinToken(h.keys, h.clock, joinGrants("a", { metadata: "m", attributes: { k: "v" }, sip: { admin: true }, kindDetails: ["x"] }));
    const { participant, token } = await h.registry.join(t);
    expect(participant).toMatchObject({ room: "r1", identity: "a", name: "a-name", metadata: "m", state: "active", version: 1, joinedAtMs: T0_MS });
    const v = verifyJwt(token.token, (k) => h.keys.current().get(k), T0_MS, DEFAULT_TOKEN_POLICY);
    expect(v.apiKey).toBe(API_KEY);
    expect(v.grants).toEqual({ identity: "a", name: "a-name", kind: "standard", metadata: "m", attributes: { k: "v" }, video: { roomJoin: true, room: "r1" } });
    // Events carry no token: each process mints its watchers' tokens itself.
    expect(seen.events).toEqual([{ cause: "joined", participant }]);
  });

  it("refuses tokens without roomJoin, room or identity", async () => {
    const h = await harness();
    const base = joinToken(h.keys, h.clock, joinGrants("a"));
    await expect(h.registry.join({ ...base, grants: { video: { room: "r1" } } })).rejects.toMatchObject({ reason: "grant_missing", code: "PERMISSION_DENIED" });
    await expect(h.registry.join({ ...base, grants: { video: { roomJoin: true } } })).rejects.toMatchObject({ reason: "invalid_argument", field: "token" });
    await expect(h.registry.join({ ...base, identity: "" })).rejects.toMatchObject({ reason: "invalid_argument", field: "token" });
  });

  it("evaluates a join token issued at or before the latest admin update with that update, also after a removal", async () => {
    const h = await harness();
    const old = joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: true } }));
    await h.registry.join(old);
    h.clock.advance(5000);
    // Minted in the update's own second: covered by it.
    const sameSecond = joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: true } }));
    await h.registry.update("r1", "a", { permission: subscribeOnly });
    await h.registry.remove("r1", "a", false);
    h.clock.advance(60_000);
    for (const t of [old, sameSecond]) {
      const again = await h.registry.join(t);
      expect(again.participant.video.canPublish).toBe(false);
      expect(verifyJwt(again.token.token, (k) => h.keys.current().get(k), h.clock.nowMs(), DEFAULT_TOKEN_POLICY).grants.video?.canPublish).toBe(false);
      expect((await h.verifier.verify(again.token.token)).effectiveVideo?.canPublish).toBe(false);
      expect((await h.verifier.verify(t.jwt)).effectiveVideo?.canPublish).toBe(false);
    }
  });

  it("starts the session from a join token issued after the update, as LiveKit does; older tokens still get the update", async () => {
    const h = await harness();
    const old = joinToken(h.keys, h.clock, joinGrants("a"));
    await h.registry.join(old);
    await h.registry.update("r1", "a", { permission: subscribeOnly });
    h.clock.advance(1000);
    const newer = joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: true } }));
    const again = await h.registry.join(newer);
    expect(again.participant.video).toEqual({ roomJoin: true, room: "r1", canPublish: true });
    expect(again.participant.adminPermission).toEqual({ permission: subscribeOnly, atSec: T0_MS / 1000 });
    expect((await h.verifier.verify(newer.jwt)).effectiveVideo).toEqual({ roomJoin: true, room: "r1", canPublish: true });
    expect((await h.verifier.verify(again.token.token)).effectiveVideo?.canPublish).toBe(true);
    // The session is the newer token's, yet the old token wins nothing back: not by verification, refresh or a join.
    expect((await h.verifier.verify(old.jwt)).effectiveVideo?.canPublish).toBe(false);
    const refreshed = await h.registry.refresh("r1", "a", old);
    expect(refreshed.token.grants.video?.canPublish).toBe(false);
    expect((await h.registry.refresh("r1", "a", newer)).token.grants.video?.canPublish).toBe(true);
    const rejoinedOld = await h.registry.join(old);
    expect(rejoinedOld.participant.video.canPublish).toBe(false);
  });
});

describe("registry: update", () => {
  it("replaces the permission, pushes a token with explicit false bools and narrows older tokens", async () => {
    const h = await harness();
    const t = joinToken(h.keys, h.clock, joinGrants("a"));
    const joinJwt = (await h.registry.join(t)).token;
    const seen: WatchEvent[] = [];
    await h.registry.watch("r1", "a", (e) => seen.push(e));
    h.clock.advance(2000);
    const p = await h.registry.update("r1", "a", { permission: subscribeOnly, metadata: "meta" });
    expect(p).toMatchObject({ version: 2, metadata: "meta", adminPermission: { permission: subscribeOnly, atSec: T0_MS / 1000 + 2 }, updatedAtMs: T0_MS + 2000 });
    expect(seen.map((e) => e.cause)).toEqual(["refreshed", "updated"]);
    const payload = JSON.parse(Buffer.from(seen[1]!.token!.token.split(".")[1]!, "base64url").toString()) as { video: unknown };
    expect(payload.video).toEqual({
      roomJoin: true, room: "r1", canPublish: false, canSubscribe: true, canPublishData: false,
      canUpdateOwnMetadata: false, canSubscribeMetrics: false, canManageAgentSession: false,
    });
    const older = await h.verifier.verify(joinJwt.token);
    expect(older.effectiveVideo).toMatchObject({ canPublish: false, canSubscribe: true });
  });

  it("stores and pushes nothing for an update that changes nothing", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a", { metadata: "m" })));
    const seen = collect();
    h.events.subscribe("r1", "a", seen.listener);
    const p = await h.registry.update("r1", "a", { metadata: "", name: "", attributes: { gone: "" } });
    expect(p.version).toBe(1);
    expect(seen.events).toEqual([]);
  });

  it("treats a permission repeated in the same second as no change, and in a later second as a new decision that covers newer tokens", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    expect((await h.registry.update("r1", "a", { permission: subscribeOnly })).version).toBe(2);
    expect((await h.registry.update("r1", "a", { permission: subscribeOnly })).version).toBe(2);
    h.clock.advance(1000);
    // Minted between the two decisions: the first does not cover it, the repeated one does.
    const between = joinToken(h.keys, h.clock, joinGrants("a"));
    expect((await h.verifier.verify(between.jwt)).effectiveVideo?.canPublish).toBeUndefined();
    h.clock.advance(1000);
    const seen = collect();
    h.events.subscribe("r1", "a", seen.listener);
    const p = await h.registry.update("r1", "a", { permission: subscribeOnly });
    expect(p).toMatchObject({ version: 3, adminPermission: { permission: subscribeOnly, atSec: T0_MS / 1000 + 2 } });
    expect(seen.events.map((e) => e.cause)).toEqual(["updated"]);
    expect((await h.verifier.verify(between.jwt)).effectiveVideo?.canPublish).toBe(false);
  });

  it("checks limits first, then answers participant_not_found for unknown or removed participants", async () => {
    const h = await harness({ settings: { ...DEFAULT_PARTICIPANT_SETTINGS, limits: { nameBytes: 3, metadataBytes: 3, attributesBytes: 3 } } });
    await expect(h.registry.update("r1", "ghost", { name: "long" })).rejects.toMatchObject({ reason: "invalid_argument", field: "name" });
    await expect(h.registry.update("r1", "ghost", { metadata: "m" })).rejects.toMatchObject({ reason: "participant_not_found", code: "NOT_FOUND" });
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a", { name: "a" })));
    await h.registry.remove("r1", "a", false);
    await expect(h.registry.update("r1", "a", { metadata: "m" })).rejects.toMatchObject({ reason: "participant_not_found" });
    await expect(h.registry.update("", "a", {})).rejects.toMatchObject({ field: "room" });
    await expect(h.registry.update("r1", "", {})).rejects.toMatchObject({ field: "identity" });
  });

  it("runs concurrent updates of one participant one after the other: both win, neither conflicts", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    const update = vi.spyOn(h.store, "update");
    await Promise.all([
      h.registry.update("r1", "a", { attributes: { x: "1" } }),
      h.registry.update("r1", "a", { attributes: { y: "2" } }),
    ]);
    const p = await h.registry.get("r1", "a");
    expect(p.attributes).toEqual({ x: "1", y: "2" });
    expect(p.version).toBe(3);
    const results = await Promise.all(update.mock.results.map((r) => r.value as Promise<{ status: string }>));
    expect(results.map((r) => r.status)).toEqual(["ok", "ok"]);
  });

  it("retries on an optimistic-concurrency conflict with another writer (another instance) so both changes win", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    const write = h.store.update.bind(h.store);
    let interfered = false;
    const update = vi.spyOn(h.store, "update").mockImplementation(async (next, expected) => {
      if (!interfered) {
        // Between this update's read and its write, someone else stores a newer version.
        interfered = true;
        const cur = (await h.store.get("r1", "a"))!;
        await write({ ...cur, attributes: { ...cur.attributes, y: "2" } }, cur.version);
      }
      return write(next, expected);
    });
    await h.registry.update("r1", "a", { attributes: { x: "1" } });
    const p = await h.registry.get("r1", "a");
    expect(p.attributes).toEqual({ x: "1", y: "2" });
    expect(p.version).toBe(3);
    const results = await Promise.all(update.mock.results.map((r) => r.value as Promise<{ status: string }>));
    expect(results.map((r) => r.status)).toEqual(["conflict", "ok"]);
  });

  it("runs updates of different participants concurrently", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("b")));
    let inFlight = 0;
    let most = 0;
    const original = h.store.update.bind(h.store);
    vi.spyOn(h.store, "update").mockImplementation(async (next, expected) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return original(next, expected);
    });
    await Promise.all([h.registry.update("r1", "a", { metadata: "1" }), h.registry.update("r1", "b", { metadata: "2" })]);
    expect(most).toBe(2);
  });

  it("gives up with store_unavailable when every attempt conflicts", async () => {
    const store = createMemoryParticipantStore();
    const update = vi.spyOn(store, "update").mockResolvedValue({ status: "conflict" });
    const h = await harness({ store });
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    await expect(h.registry.update("r1", "a", { metadata: "m" })).rejects.toMatchObject({ reason: "store_unavailable", code: "UNAVAILABLE" });
    expect(update).toHaveBeenCalledTimes(MAX_UPDATE_ATTEMPTS);
  });

  it("with a retry budget (a store shared by instances), retries conflicts until the budget is spent, then store_unavailable", async () => {
    const store = createMemoryParticipantStore();
    let nowMs = 0;
    // Each conflicting attempt takes 30 ms of the 100 ms budget: attempts start at 0, 30, 60 and 90 ms.
    const update = vi.spyOn(store, "update").mockImplementation(async () => {
      nowMs += 30;
      return { status: "conflict" };
    });
    const h = await harness({ store, updateRetry: { budgetMs: 100, now: () => nowMs } });
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    await expect(h.registry.update("r1", "a", { metadata: "m" })).rejects.toMatchObject({ reason: "store_unavailable", code: "UNAVAILABLE" });
    expect(update).toHaveBeenCalledTimes(4);
  });

  it("with a retry budget, an update whose conflicts end within it succeeds, and one attempt is made even with no budget", async () => {
    const store = createMemoryParticipantStore();
    const original = store.update.bind(store);
    let conflicts = 50;
    vi.spyOn(store, "update").mockImplementation(async (next, expected) => (conflicts-- > 0 ? { status: "conflict" } : original(next, expected)));
    const h = await harness({ store, updateRetry: { budgetMs: 60_000, now: () => 0 } });
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    expect((await h.registry.update("r1", "a", { metadata: "m" })).metadata).toBe("m");

    const none = await harness({ updateRetry: { budgetMs: 0, now: () => 0 } });
    await none.registry.join(joinToken(none.keys, none.clock, joinGrants("a")));
    expect((await none.registry.update("r1", "a", { metadata: "m" })).version).toBe(2);
  });
});

describe("registry: get, list, remove and revocation", () => {
  it("lists active participants and gets removed ones", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("b")));
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    const seen = collect();
    h.events.subscribe("r1", "b", seen.listener);
    const removed = await h.registry.remove("r1", "b", false);
    expect(removed).toMatchObject({ state: "removed", version: 2 });
    expect(seen.events).toEqual([{ cause: "removed", participant: removed }]);
    expect((await h.registry.list("r1")).map((p) => p.identity)).toEqual(["a"]);
    expect((await h.registry.get("r1", "b")).state).toBe("removed");
    await expect(h.registry.get("r1", "zz")).rejects.toMatchObject({ reason: "participant_not_found" });
    await expect(h.registry.remove("r1", "zz", false)).rejects.toMatchObject({ reason: "participant_not_found" });
  });

  it("revokes tokens issued through the removal second and accepts one issued a second later", async () => {
    const h = await harness();
    h.clock.set(T0_MS + 500);
    const atRemoval = joinToken(h.keys, h.clock, joinGrants("a"));
    const atRemovalJwt = (await h.registry.join(atRemoval)).token.token;
    const otherRoom = joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r2" } }));
    await h.registry.remove("r1", "a", true);
    await expect(h.verifier.verify(atRemovalJwt)).rejects.toMatchObject({ reason: "token_revoked" });
    await expect(h.verifier.verify(atRemoval.jwt)).rejects.toMatchObject({ reason: "token_revoked" });
    h.clock.set(T0_MS + 1000);
    const later = joinToken(h.keys, h.clock, joinGrants("a"));
    const verified = await h.verifier.verify(later.jwt);
    expect(verified.token.issuedAt).toBe(T0_MS / 1000 + 1);
    expect((await h.registry.join(later)).participant.state).toBe("active");
    expect(otherRoom.grants.video?.room).toBe("r2");
    await expect(h.verifier.verify(otherRoom.jwt)).resolves.toBeDefined();
  });

  it("leaves tokens valid when removing without revocation", async () => {
    const h = await harness();
    const jwt = (await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")))).token.token;
    await h.registry.remove("r1", "a", false);
    await expect(h.verifier.verify(jwt)).resolves.toBeDefined();
  });
});
