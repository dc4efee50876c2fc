import { describe, expect, it, vi } from "vitest";
import { manualClock, nowSeconds } from "../../src/core/clock.js";
import { DEFAULT_PARTICIPANT_SETTINGS } from "../../src/config/server-config.js";
import { createInProcessEvents } from "../../src/participants/events.js";
import { createMemoryParticipantStore } from "../../src/participants/memory-store.js";
import { createParticipantRegistry } from "../../src/participants/registry.js";
import { createSqliteParticipantStore } from "../../src/participants/sqlite-store.js";
import { createManualTimers } from "../../src/participants/timers.js";
import type { WatchEvent } from "../../src/participants/watchers.js";
import { harness, joinGrants, joinToken, tempDir, testKeys, T0_MS } from "./fixtures.js";

const T0 = T0_MS / 1000;

describe("registry: watch and periodic refresh", () => {
  it("starts a watch with a fresh token, then streams changes and the removal", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    const seen: WatchEvent[] = [];
    const stop = await h.registry.watch("r1", "a", (e) => seen.push(e));
    await h.registry.update("r1", "a", { metadata: "m" });
    await h.registry.remove("r1", "a", false);
    expect(seen.map((e) => [e.cause, e.participant.version, e.token !== undefined])).toEqual([
      ["refreshed", 1, true],
      ["updated", 2, true],
      ["removed", 3, false],
    ]);
    stop();
    stop();
  });

  it("refuses to watch unknown or removed participants and leaves no watcher behind", async () => {
    const h = await harness();
    await expect(h.registry.watch("r1", "ghost", () => undefined)).rejects.toMatchObject({ reason: "participant_not_found" });
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    await h.registry.remove("r1", "a", false);
    await expect(h.registry.watch("r1", "a", () => undefined)).rejects.toMatchObject({ reason: "participant_not_found" });
    const current = vi.spyOn(h.keys, "current");
    await h.timers.advance(h.settings.refreshIntervalSeconds * 1000);
    expect(current).not.toHaveBeenCalled();
  });

  it("mints every interval only for watched, active participants", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("watched")));
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("alone")));
    const current = vi.spyOn(h.keys, "current");
    const interval = h.settings.refreshIntervalSeconds * 1000;

    await h.timers.advance(interval);
    expect(current).not.toHaveBeenCalled();

    const seen: WatchEvent[] = [];
    const stop = await h.registry.watch("r1", "watched", (e) => seen.push(e));
    await h.timers.advance(interval - 1);
    expect(seen.map((e) => e.cause)).toEqual(["refreshed"]);
    await h.timers.advance(1);
    await h.timers.advance(interval);
    // The token minted at T0+300 lives until the join token's T0+3600; at T0+600 it still has 3000/3300 s
    // (>= 90 %) left and is pushed again, at T0+900 only 82 % and a new one is minted.
    expect(seen.map((e) => [e.cause, e.token!.issuedAt])).toEqual([
      ["refreshed", T0 + 300],
      ["refreshed", T0 + 300],
      ["refreshed", T0 + 900],
    ]);
    expect(seen[1]!.token).toBe(seen[0]!.token);
    expect(current).toHaveBeenCalledTimes(3);

    stop();
    await h.timers.advance(3 * interval);
    expect(seen).toHaveLength(3);
    expect(current).toHaveBeenCalledTimes(3);
  });

  it("stops refreshing when the registry stops", async () => {
    const h = await harness();
    expect(h.timers.pending).toBe(1);
    h.registry.stop();
    expect(h.timers.pending).toBe(0);
  });

  it("gives refreshed tokens max(refresh ttl, time left on the join token)", async () => {
    const h = await harness();
    const t = joinToken(h.keys, h.clock, joinGrants("a"), 3600);
    expect((await h.registry.join(t)).token.expiresAt).toBe(T0 + 3600);
    h.clock.advance(2000 * 1000);
    expect((await h.registry.refresh("r1", "a")).token.expiresAt).toBe(T0 + 3600);
    h.clock.advance(1300 * 1000);
    expect((await h.registry.refresh("r1", "a")).token.expiresAt).toBe(nowSeconds(h.clock) + 600);
    await h.registry.remove("r1", "a", false);
    await expect(h.registry.refresh("r1", "a")).rejects.toMatchObject({ reason: "participant_not_found" });
  });
});

describe("registry: live state", () => {
  it("fails closed before start", async () => {
    const clock = manualClock(T0_MS);
    const registry = createParticipantRegistry({
      store: createMemoryParticipantStore(), events: createInProcessEvents(), keys: testKeys(), clock,
      timers: createManualTimers(clock), settings: DEFAULT_PARTICIPANT_SETTINGS,
    });
    expect(() => registry.liveState.lookup("r1", "a")).toThrow(expect.objectContaining({ reason: "store_unavailable" }));
    await expect(registry.join(joinToken(testKeys(), clock, joinGrants("a")))).rejects.toMatchObject({ reason: "store_unavailable" });
  });

  it("follows changes made by another registry through the shared store and event bus", async () => {
    const clock = manualClock(T0_MS);
    const store = createMemoryParticipantStore();
    const events = createInProcessEvents();
    const keys = testKeys();
    const make = () =>
      createParticipantRegistry({ store, events, keys, clock, timers: createManualTimers(clock), settings: DEFAULT_PARTICIPANT_SETTINGS });
    const a = make();
    const b = make();
    await a.start();
    await b.start();
    await a.join(joinToken(keys, clock, joinGrants("p")));
    await a.update("r1", "p", { permission: { ...allOff(), canSubscribe: true } });
    expect(b.liveState.lookup("r1", "p")).toMatchObject({ permission: { canPublish: false, canSubscribe: true } });
    await a.remove("r1", "p", true);
    expect(await b.liveState.lookup("r1", "p")).toMatchObject({ revokedThrough: T0 });
  });

  it("keeps revocations and admin permissions across a restart on the sqlite store", async () => {
    const t = tempDir();
    try {
      const h1 = await harness({ store: createSqliteParticipantStore({ dataDir: t.dir }) });
      const early = joinToken(h1.keys, h1.clock, joinGrants("gone"));
      await h1.registry.join(early);
      const before = joinToken(h1.keys, h1.clock, joinGrants("narrow"));
      await h1.registry.join(before);
      await h1.registry.update("r1", "narrow", { permission: allOff() });
      await h1.registry.remove("r1", "gone", true);
      h1.registry.stop();
      await h1.store.close();

      const h2 = await harness({ store: createSqliteParticipantStore({ dataDir: t.dir }), clock: manualClock(T0_MS + 1000) });
      await expect(h2.verifier.verify(early.jwt)).rejects.toMatchObject({ reason: "token_revoked" });
      const fresh = joinToken(h2.keys, h2.clock, joinGrants("gone"));
      await expect(h2.verifier.verify(fresh.jwt)).resolves.toBeDefined();
      // Latest decision wins across the restart: the update governs the older token, a newer one keeps its own grants.
      expect((await h2.verifier.verify(before.jwt)).effectiveVideo).toMatchObject({ canPublish: false, canSubscribe: false });
      const newer = joinToken(h2.keys, h2.clock, joinGrants("narrow"));
      expect((await h2.verifier.verify(newer.jwt)).effectiveVideo).toEqual({ roomJoin: true, room: "r1" });
      await h2.store.close();
    } finally {
      t.cleanup();
    }
  });
});

function allOff() {
  return {
    canSubscribe: false, canPublish: false, canPublishData: false, canPublishSources: [], hidden: false,
    recorder: false, canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
  };
}

describe("registry: one token per participant version for all watchers", () => {
  it("mints once per version and shares it with every watcher, also for watches that start later", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a")));
    const seen: WatchEvent[][] = [[], [], []];
    const stops = [];
    for (const list of seen.slice(0, 2)) stops.push(await h.registry.watch("r1", "a", (e) => list.push(e)));
    await h.registry.update("r1", "a", { metadata: "m" });
    stops.push(await h.registry.watch("r1", "a", (e) => seen[2]!.push(e)));
    const tokensOf = (list: WatchEvent[]) => list.map((e) => e.token);
    expect(tokensOf(seen[1]!)).toEqual(tokensOf(seen[0]!));
    expect(seen[1]![1]!.token).toBe(seen[0]![1]!.token);
    // The later watch starts on version 2 with the very token the others got for it.
    expect(seen[2]![0]!.token).toBe(seen[0]![1]!.token);
    expect(seen[2]![0]!.participant.version).toBe(2);
    for (const stop of stops) stop();
    expect(h.registry.watchStreams).toBe(0);
  });

  it("the periodic refresh mints once per participant, not once per watcher", async () => {
    const h = await harness();
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a"), 60));
    const seen: WatchEvent[][] = [[], [], []];
    for (const list of seen) await h.registry.watch("r1", "a", (e) => list.push(e));
    await h.timers.advance(h.settings.refreshIntervalSeconds * 1000);
    const refreshed = seen.map((list) => list[1]!.token);
    expect(refreshed[0]!.issuedAt).toBe(T0 + 300);
    expect(refreshed[1]).toBe(refreshed[0]);
    expect(refreshed[2]).toBe(refreshed[0]);
  });
});
