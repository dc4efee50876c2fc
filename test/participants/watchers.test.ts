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
    set.add("r1", "a", (e) => seen[0]!.push(e.participant.version));
    set.add("r1", "a", (e) => seen[1]!.push(e.participant.version));
    const at = (version: number): WatchEvent => ({ cause: "updated", participant: record("a", { version }) });
    set.deliverLocal(at(2));
    set.deliverLocal(at(1));
    set.deliverLocal(at(3));
    expect(seen).toEqual([[2, 3], [2, 3]]);
  });
});
