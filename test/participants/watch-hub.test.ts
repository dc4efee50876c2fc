import { describe, expect, it } from "vitest";
import { manualClock, nowSeconds } from "../../src/core/clock.js";
import { createInProcessEvents, type ParticipantEvents } from "../../src/participants/events.js";
import { mintRefreshToken } from "../../src/participants/refresh.js";
import { createSharedTokens } from "../../src/participants/shared-tokens.js";
import { createWatchHub } from "../../src/participants/watch-hub.js";
import type { WatchEvent } from "../../src/participants/watchers.js";
import { record, T0_MS, testKeys } from "./fixtures.js";

function setup() {
  const clock = manualClock(T0_MS);
  const keys = testKeys();
  const bus = createInProcessEvents();
  let subscriptions = 0;
  const events: ParticipantEvents = {
    ...bus,
    subscribe(room, identity, listener) {
      subscriptions++;
      const off = bus.subscribe(room, identity, listener);
      return () => {
        subscriptions--;
        off();
      };
    },
  };
  let mints = 0;
  const tokens = createSharedTokens({
    signingKey: () => keys.current().defaultKey,
    mint: (key, r) => {
      mints++;
      return mintRefreshToken(key, r, nowSeconds(clock), 600);
    },
    nowSec: () => nowSeconds(clock),
    revokedThrough: () => undefined,
  });
  const hub = createWatchHub({ events, tokens, limits: { perParticipant: 8, total: 100 } });
  return { hub, bus, subs: () => subscriptions, mints: () => mints };
}

describe("watch hub", () => {
  it("keeps one bus subscription and one token per version for all watchers of a participant, and drops both with the last", async () => {
    const s = setup();
    const seen: WatchEvent[][] = [[], [], []];
    const stops = [];
    for (const list of seen) stops.push(await s.hub.open("r1", "a", (e) => list.push(e), async () => record("a", { version: 1 })));
    expect([s.subs(), s.mints(), s.hub.total]).toEqual([1, 1, 3]);
    await s.bus.publish({ cause: "updated", participant: record("a", { version: 2, metadata: "m" }) });
    expect(s.mints()).toBe(2);
    expect(new Set(seen.map((l) => l[1]))).toEqual(new Set([seen[0]![1]]));
    expect(new Set(seen.map((l) => l[0]))).toEqual(new Set([seen[0]![0]]));
    for (const stop of stops) stop();
    expect([s.subs(), s.hub.total, s.hub.isWatched("r1", "a")]).toEqual([0, 0, false]);
  });

  it("releases the watcher when the first read fails", async () => {
    const s = setup();
    await expect(s.hub.open("r1", "a", () => undefined, async () => Promise.reject(new Error("gone")))).rejects.toThrow("gone");
    expect([s.subs(), s.hub.total]).toEqual([0, 0]);
  });

  it("tells the revocation listeners of exactly that (room, identity) until they unsubscribe", () => {
    const s = setup();
    const heard: string[] = [];
    const off = s.hub.onRevocation("r1", "boss", () => heard.push("boss"));
    s.hub.onRevocation("r1", "other", () => heard.push("other"));
    s.hub.revoked("r1", "boss");
    off();
    s.hub.revoked("r1", "boss");
    expect(heard).toEqual(["boss"]);
  });
});
