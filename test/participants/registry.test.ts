import { describe, expect, it, vi } from "vitest";
import { DEFAULT_TOKEN_POLICY, verifyJwt } from "../../src/core/jwt.js";
import type { ParticipantPermission } from "../../src/core/grants.js";
import type { ParticipantEvent } from "../../src/participants/events.js";
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
    expect(seen.events).toEqual([{ cause: "joined", participant, token }]);
  });

  it("refuses tokens without roomJoin, room or identity", async () => {
    const h = await harness();
    const base = joinToken(h.keys, h.clock, joinGrants("a"));
    await expect(h.registry.join({ ...base, grants: { video: { room: "r1" } } })).rejects.toMatchObject({ reason: "grant_missing", code: "PERMISSION_DENIED" });
    await expect(h.registry.join({ ...base, grants: { video: { roomJoin: true } } })).rejects.toMatchObject({ reason: "invalid_argument", field: "token" });
    await expect(h.registry.join({ ...base, identity: "" })).rejects.toMatchObject({ reason: "invalid_argument", field: "token" });
  });

  it("keeps an admin-updated permission when the participant joins again with a wider token", async () => {
    const h = await harness();
    const t = joinToken(h.keys, h.clock, joinGrants("a"));
    await h.registry.join(t);
    await h.registry.update("r1", "a", { permission: subscribeOnly });
    const again = await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: true } })));
    expect(again.participant.video.canPublish).toBe(false);
    expect(verifyJwt(again.token.token, (k) => h.keys.current().get(k), T0_MS, DEFAULT_TOKEN_POLICY).grants.video?.canPublish).toBe(false);
    expect((await h.verifier.verify(again.token.token)).effectiveVideo?.canPublish).toBe(false);
  });
});

describe("registry: update", () => {
  it("replaces the permission, pushes a token with explicit false bools and narrows older tokens", async () => {
    const h = await harness();
    const t = joinToken(h.keys, h.clock, joinGrants("a"));
    const joinJwt = (await h.registry.join(t)).token;
    const seen = collect();
    h.events.subscribe("r1", "a", seen.listener);
    h.clock.advance(2000);
    const p = await h.registry.update("r1", "a", { permission: subscribeOnly, metadata: "meta" });
    expect(p).toMatchObject({ version: 2, metadata: "meta", permissionSetByAdmin: true, updatedAtMs: T0_MS + 2000 });
    expect(seen.events.map((e) => e.cause)).toEqual(["updated"]);
    const payload = JSON.parse(Buffer.from(seen.events[0]!.token!.token.split(".")[1]!, "base64url").toString()) as { video: unknown };
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

  it("serializes concurrent admins of one participant in this process, so both win without a conflict", async () => {
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

  it("retries on an optimistic-concurrency conflict from another process's write, re-reading what it wrote", async () => {
    const h = await harness();
    const joined = await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    const original = h.store.update.bind(h.store);
    let raced = false;
    const update = vi.spyOn(h.store, "update").mockImplementation(async (next, expected) => {
      if (!raced) {
        raced = true;
        // Another instance's write lands between this one's read and its write.
        await original({ ...joined.participant, attributes: { other: "1" } }, expected);
      }
      return original(next, expected);
    });
    await h.registry.update("r1", "a", { attributes: { y: "2" } });
    const p = await h.registry.get("r1", "a");
    expect(p.attributes).toEqual({ other: "1", y: "2" });
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
