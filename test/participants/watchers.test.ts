import { describe, expect, it } from "vitest";
import type { RoomgateError } from "../../src/core/errors.js";
import { createWatcherSet, type WatchEvent } from "../../src/participants/watchers.js";
import { record } from "./fixtures.js";

function setup(perParticipant = 2, total = 3) {
  const log: string[] = [];
  const set = createWatcherSet({
    limits: { perParticipant, total },
    onFirst: (room, identity) => log.push(`first ${room}/${identity}`),
    onLast: (room, identity) => log.push(`last ${room}/${identity}`),
  });
  return { set, log };
}

const limitOf = (fn: () => unknown): Pick<RoomgateError, "reason" | "code"> | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    const e = err as RoomgateError;
    return { reason: e.reason, code: e.code };
  }
};

describe("watcher set limits", () => {
  it("refuses a watcher beyond the per-participant limit with RESOURCE_EXHAUSTED watch_limit", () => {
    const { set } = setup(2, 10);
    set.add("r", "a", () => undefined);
    set.add("r", "a", () => undefined);
    expect(limitOf(() => set.add("r", "a", () => undefined))).toEqual({ reason: "watch_limit", code: "RESOURCE_EXHAUSTED" });
    expect(limitOf(() => set.add("r", "b", () => undefined))).toBeUndefined();
    expect([set.count("r", "a"), set.count("r", "b"), set.total]).toEqual([2, 1, 3]);
  });

  it("refuses a watcher beyond the process-wide limit", () => {
    const { set } = setup(5, 2);
    set.add("r", "a", () => undefined);
    set.add("r", "b", () => undefined);
    expect(limitOf(() => set.add("r", "c", () => undefined))).toEqual({ reason: "watch_limit", code: "RESOURCE_EXHAUSTED" });
    expect(set.total).toBe(2);
  });

  it("releases a watcher's place when it is removed, once however often remove is called", () => {
    const { set, log } = setup(1, 2);
    const w = set.add("r", "a", () => undefined);
    w.remove();
    w.remove();
    expect([set.total, set.count("r", "a")]).toEqual([0, 0]);
    const again = set.add("r", "a", () => undefined);
    set.add("r", "b", () => undefined);
    expect(limitOf(() => set.add("r", "c", () => undefined))?.reason).toBe("watch_limit");
    again.remove();
    expect(limitOf(() => set.add("r", "c", () => undefined))).toBeUndefined();
    expect(log).toEqual(["first r/a", "last r/a", "first r/a", "first r/b", "last r/a", "first r/c"]);
  });

  it("delivers to every watcher of a participant in version order, never going back", () => {
    const { set } = setup(3, 3);
    const seen: number[][] = [[], []];
    const at = (version: number): WatchEvent => ({ cause: "updated", participant: record("a", { version }) });
    set.add("r1", "a", (e) => seen[0]!.push(e.participant.version)).start(at(1));
    set.add("r1", "a", (e) => seen[1]!.push(e.participant.version)).start(at(1));
    set.deliverLocal(at(2));
    set.deliverLocal(at(1));
    set.deliverLocal(at(3));
    expect(seen).toEqual([[1, 2, 3], [1, 2, 3]]);
  });
});

describe("a watcher's first event", () => {
  const event = (cause: WatchEvent["cause"], version: number): WatchEvent => ({ cause, participant: record("a", { version }) });
  const watch = () => {
    const { set } = setup(3, 3);
    const seen: string[] = [];
    const w = set.add("r1", "a", (e) => seen.push(`${e.cause}@${e.participant.version}`));
    return { set, w, seen };
  };

  it("holds events that arrive before the first state and drops those the state already covers", () => {
    const { set, w, seen } = watch();
    set.deliverLocal(event("joined", 1));
    expect(seen).toEqual([]);
    w.start(event("refreshed", 1));
    expect(seen).toEqual(["refreshed@1"]);
  });

  it("delivers the newest held event after the first state when it is newer", () => {
    const { set, w, seen } = watch();
    set.deliverLocal(event("updated", 3));
    set.deliverLocal(event("updated", 2));
    set.deliverLocal(event("removed", 4));
    w.start(event("refreshed", 2));
    expect(seen).toEqual(["refreshed@2", "removed@4"]);
  });

  it("a removal held during the first read is delivered even when a rejoin came after it, and ends the session there", () => {
    const { set, w, seen } = watch();
    set.deliverLocal(event("removed", 6));
    set.deliverLocal(event("joined", 7));
    w.start(event("refreshed", 5));
    expect(seen).toEqual(["refreshed@5", "removed@6"]);
  });

  it("a held removal older than the first state (the rejoined session) is dropped", () => {
    const { set, w, seen } = watch();
    set.deliverLocal(event("removed", 6));
    set.deliverLocal(event("joined", 7));
    w.start(event("refreshed", 7));
    expect(seen).toEqual(["refreshed@7"]);
  });

  it("never repeats a version except as a refresh carrying a newer token", () => {
    const { set, w, seen } = watch();
    w.start(event("refreshed", 1));
    set.deliverLocal(event("joined", 1));
    set.deliverLocal(event("refreshed", 1));
    set.deliverLocal(event("updated", 2));
    set.deliverLocal(event("updated", 2));
    expect(seen).toEqual(["refreshed@1", "refreshed@1", "updated@2"]);
  });

  it("delivers nothing after remove, held or not", () => {
    const { set, w, seen } = watch();
    set.deliverLocal(event("updated", 2));
    w.remove();
    w.start(event("refreshed", 1));
    set.deliverLocal(event("updated", 3));
    expect(seen).toEqual([]);
  });
});
