import { describe, expect, it, vi } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { DEFAULT_PARTICIPANT_SETTINGS } from "../../src/config/server-config.js";
import { createInProcessEvents } from "../../src/participants/events.js";
import { createMemoryParticipantStore } from "../../src/participants/memory-store.js";
import { createParticipantRegistry, MAX_REVOKE_AHEAD_SECONDS } from "../../src/participants/registry.js";
import { createManualTimers } from "../../src/participants/timers.js";
import { harness, joinGrants, joinToken, testKeys, T0_MS } from "./fixtures.js";

const T0 = T0_MS / 1000;

describe("registry: revoke_token_ts bound", () => {
  it("refuses a watermark more than a minute ahead, before changing anything", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    // Milliseconds passed where seconds belong: ~55,000 years ahead.
    for (const ts of [T0_MS, T0 + MAX_REVOKE_AHEAD_SECONDS + 1]) {
      await expect(h.registry.remove("r1", "a", true, ts)).rejects.toMatchObject({ reason: "invalid_argument", code: "INVALID_ARGUMENT", field: "revoke_token_ts" });
      await expect(h.registry.remove("r1", "ghost", true, ts)).rejects.toMatchObject({ field: "revoke_token_ts" });
    }
    expect((await h.registry.get("r1", "a")).state).toBe("active");
    expect(await h.store.revokedThrough("r1", "a")).toBeUndefined();
    expect(await h.store.revokedThrough("r1", "ghost")).toBeUndefined();
  });

  it("accepts a watermark exactly a minute ahead", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    await h.registry.remove("r1", "a", true, T0 + MAX_REVOKE_AHEAD_SECONDS);
    expect(await h.store.revokedThrough("r1", "a")).toBe(T0 + MAX_REVOKE_AHEAD_SECONDS);
  });
});

describe("registry: revoking an identity that never joined", () => {
  it("records the watermark, so a leaked unused token is refused, and a later token works", async () => {
    const h = await harness();
    const leaked = joinToken(h.keys, h.clock, joinGrants("never"));
    await expect(h.registry.remove("r1", "never", true)).resolves.toBeUndefined();
    await expect(h.verifier.verify(leaked.jwt)).rejects.toMatchObject({ reason: "token_revoked" });
    await expect(h.registry.join(leaked)).rejects.toMatchObject({ reason: "token_revoked" });
    await expect(h.registry.get("r1", "never")).rejects.toMatchObject({ reason: "participant_not_found" });
    h.clock.advance(1000);
    const later = joinToken(h.keys, h.clock, joinGrants("never"));
    expect((await h.registry.join(later)).participant.state).toBe("active");
  });

  it("stays participant_not_found without revoke_tokens and records nothing", async () => {
    const h = await harness();
    await expect(h.registry.remove("r1", "never", false)).rejects.toMatchObject({ reason: "participant_not_found", code: "NOT_FOUND" });
    expect(await h.store.revokedThrough("r1", "never")).toBeUndefined();
  });

  it("tells other registries on the bus, which then refuse the leaked token too", async () => {
    const clock = manualClock(T0_MS);
    const store = createMemoryParticipantStore();
    const events = createInProcessEvents();
    const keys = testKeys();
    const make = () => createParticipantRegistry({ store, events, keys, clock, timers: createManualTimers(clock), settings: DEFAULT_PARTICIPANT_SETTINGS });
    const a = make();
    const b = make();
    await a.start();
    await b.start();
    await a.remove("r1", "never", true);
    expect(b.liveState.lookup("r1", "never")).toEqual({ revokedThrough: T0 });
    b.stop();
    await a.remove("r1", "other", true);
    expect(b.liveState.lookup("r1", "other")).toBeUndefined();
  });

  it("removes a participant whose join landed between the lookup and the watermark", async () => {
    const h = await harness();
    const t = joinToken(h.keys, h.clock, joinGrants("racer"));
    const revoke = h.store.revoke.bind(h.store);
    vi.spyOn(h.store, "revoke").mockImplementationOnce(async (room, identity, through) => {
      await h.registry.join(t);
      return revoke(room, identity, through);
    });
    const removed = await h.registry.remove("r1", "racer", true);
    expect(removed).toMatchObject({ state: "removed", version: 2 });
    await expect(h.verifier.verify(t.jwt)).rejects.toMatchObject({ reason: "token_revoked" });
    expect(await h.registry.list("r1")).toEqual([]);
  });
});

describe("registry: join re-checks the watermark in the store", () => {
  it("refuses a token verified before a concurrent removal with revocation", async () => {
    const h = await harness();
    const t = joinToken(h.keys, h.clock, joinGrants("a"));
    await h.registry.join(t);
    const verifiedBefore = (await h.verifier.verify(t.jwt)).token;
    await h.registry.remove("r1", "a", true);
    await expect(h.registry.join(verifiedBefore)).rejects.toMatchObject({ reason: "token_revoked", code: "UNAUTHENTICATED" });
    expect((await h.registry.get("r1", "a")).state).toBe("removed");
  });

  it("uses nbf when the token has no iat", async () => {
    const h = await harness();
    await h.registry.remove("r1", "a", true);
    const t = joinToken(h.keys, h.clock, joinGrants("a"));
    const { issuedAt: _drop, ...noIat } = t;
    await expect(h.registry.join({ ...noIat, notBefore: T0 })).rejects.toMatchObject({ reason: "token_revoked" });
    await expect(h.registry.join({ ...noIat, notBefore: T0 + 1 })).resolves.toBeDefined();
  });
});

describe("registry: removing a participant that is not in the room", () => {
  it("refuses a second plain removal with participant_not_found, without a version bump or a second removed event", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    await h.registry.remove("r1", "a", false);
    const seen: string[] = [];
    h.events.subscribeAll((e) => seen.push(e.cause));
    await expect(h.registry.remove("r1", "a", false)).rejects.toMatchObject({ reason: "participant_not_found", code: "NOT_FOUND" });
    expect(await h.store.get("r1", "a")).toMatchObject({ state: "removed", version: 2 });
    expect(seen).toEqual([]);
  });

  it("with revoke_tokens records the watermark of an already removed participant without re-emitting removed", async () => {
    const h = await harness();
    const old = joinToken(h.keys, h.clock, joinGrants("a"));
    await h.registry.join(old);
    await h.registry.remove("r1", "a", false);
    const seen: string[] = [];
    const notices: number[] = [];
    h.events.subscribeAll((e) => seen.push(e.cause));
    h.events.subscribeRevocations((n) => notices.push(n.revokedThrough));
    await expect(h.registry.remove("r1", "a", true)).resolves.toBeUndefined();
    expect(await h.store.get("r1", "a")).toMatchObject({ state: "removed", version: 2 });
    expect(await h.store.revokedThrough("r1", "a")).toBe(T0);
    expect(seen).toEqual([]);
    expect(notices).toEqual([T0]);
    await expect(h.verifier.verify(old.jwt)).rejects.toMatchObject({ reason: "token_revoked" });
  });
});
