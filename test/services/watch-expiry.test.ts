import { describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createManualTimers } from "../../src/participants/timers.js";
import { createExpirySweep, EXPIRY_SWEEP_MS } from "../../src/services/watch-expiry.js";

describe("expiry sweep", () => {
  it("fires each deadline once, at the first sweep at or after it, with one shared timer", async () => {
    const clock = manualClock(0);
    const timers = createManualTimers(clock);
    const sweep = createExpirySweep(clock, timers);
    const fired: string[] = [];
    sweep.add(1500, () => fired.push("a"));
    sweep.add(1500, () => fired.push("b"));
    sweep.add(5000, () => fired.push("c"));
    expect([timers.pending, sweep.size]).toEqual([1, 3]);
    await timers.advance(EXPIRY_SWEEP_MS);
    expect(fired).toEqual([]);
    await timers.advance(EXPIRY_SWEEP_MS);
    expect(fired).toEqual(["a", "b"]);
    await timers.advance(10 * EXPIRY_SWEEP_MS);
    expect(fired).toEqual(["a", "b", "c"]);
    // Nothing left to watch: the timer stops.
    expect([timers.pending, sweep.size]).toEqual([0, 0]);
  });

  it("forgets a cancelled deadline and stops its timer when none is left", async () => {
    const clock = manualClock(0);
    const timers = createManualTimers(clock);
    const sweep = createExpirySweep(clock, timers);
    const fired: string[] = [];
    const cancel = sweep.add(500, () => fired.push("x"));
    cancel();
    cancel();
    expect([timers.pending, sweep.size]).toEqual([0, 0]);
    await timers.advance(5 * EXPIRY_SWEEP_MS);
    expect(fired).toEqual([]);
  });

  it("sees a clock moved by hand without waiting for real time", async () => {
    const clock = manualClock(0);
    const timers = createManualTimers(clock);
    const sweep = createExpirySweep(clock, timers);
    let fired = false;
    sweep.add(3_600_000, () => void (fired = true));
    clock.set(3_600_000);
    await timers.advance(EXPIRY_SWEEP_MS);
    expect(fired).toBe(true);
  });
});
