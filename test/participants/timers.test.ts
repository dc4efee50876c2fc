import { describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createManualTimers, MAX_TIMER_MS, systemTimers } from "../../src/participants/timers.js";

describe("manual timers", () => {
  it("fires due callbacks in time order at their due time, awaiting each", async () => {
    const clock = manualClock(0);
    const timers = createManualTimers(clock);
    const log: string[] = [];
    timers.every(300, async () => {
      await Promise.resolve();
      log.push(`a@${clock.nowMs()}`);
    });
    const stopB = timers.every(200, () => {
      log.push(`b@${clock.nowMs()}`);
    });
    await timers.advance(650);
    expect(log).toEqual(["b@200", "a@300", "b@400", "a@600", "b@600"]);
    expect(clock.nowMs()).toBe(650);
    stopB();
    await timers.advance(300);
    expect(log.slice(5)).toEqual(["a@900"]);
    expect(timers.pending).toBe(1);
  });

  it("rejects a non-positive interval", () => {
    expect(() => createManualTimers(manualClock(0)).every(0, () => undefined)).toThrow(RangeError);
  });
});

describe("system timers", () => {
  it("refuse intervals Node would silently turn into 1 ms", () => {
    expect(() => systemTimers.every(MAX_TIMER_MS + 1, () => undefined)).toThrow(RangeError);
    expect(() => systemTimers.every(0, () => undefined)).toThrow(RangeError);
    systemTimers.every(MAX_TIMER_MS, () => undefined)();
  });
});
