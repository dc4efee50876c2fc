import { describe, expect, it } from "vitest";
import type { EventCause } from "../../src/participants/events.js";
import { createWatchQueue } from "../../src/participants/watch-queue.js";

const ev = (version: number, cause: EventCause = "updated") => ({ cause, participant: { version } });
const drain = (q: ReturnType<typeof createWatchQueue<ReturnType<typeof ev>>>) => {
  const out: Array<[EventCause, number]> = [];
  for (let e = q.shift(); e; e = q.shift()) out.push([e.cause, e.participant.version]);
  return out;
};

describe("watch queue", () => {
  it("holds at most its capacity, coalescing into the newest", () => {
    const q = createWatchQueue<ReturnType<typeof ev>>(3);
    for (let v = 1; v <= 10; v++) q.push(ev(v));
    expect(q.length).toBe(3);
    expect(drain(q)).toEqual([["updated", 8], ["updated", 9], ["updated", 10]]);
  });

  it("never queues an older version after a newer one, also after the newer one was taken", () => {
    const q = createWatchQueue<ReturnType<typeof ev>>(4);
    expect(q.push(ev(5))).toBe(true);
    expect(q.push(ev(3))).toBe(false);
    q.shift();
    expect(q.push(ev(4))).toBe(false);
    // The same version again (a periodic refresh) is not older.
    expect(q.push(ev(5, "refreshed"))).toBe(true);
    expect(q.push(ev(6))).toBe(true);
    expect(drain(q)).toEqual([["refreshed", 5], ["updated", 6]]);
  });

  it("keeps a removal as the final event: never dropped, nothing after it", () => {
    const q = createWatchQueue<ReturnType<typeof ev>>(1);
    q.push(ev(1));
    q.push(ev(2, "removed"));
    expect(q.final).toBe(true);
    // The next session's events (higher versions) never follow a removal on the same stream.
    for (let v = 3; v < 40; v++) expect(q.push(ev(v, v === 3 ? "joined" : "updated"))).toBe(false);
    expect(drain(q)).toEqual([["removed", 2]]);
  });

  it("refuses a capacity that is not a positive whole number", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => createWatchQueue(bad)).toThrow(RangeError);
  });
});
