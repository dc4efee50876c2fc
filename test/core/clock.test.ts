import { describe, expect, it } from "vitest";
import { manualClock, nowSeconds, systemClock } from "../../src/core/clock.js";

describe("manualClock", () => {
  it("moves only when told to", () => {
    const clock = manualClock(1_700_000_000_000);
    expect(clock.nowMs()).toBe(1_700_000_000_000);
    clock.advance(1_500);
    expect(clock.nowMs()).toBe(1_700_000_001_500);
    clock.set(5);
    expect(clock.nowMs()).toBe(5);
  });
});

describe("nowSeconds", () => {
  it("floors to whole seconds", () => {
    expect(nowSeconds(manualClock(1_700_000_000_999))).toBe(1_700_000_000);
    expect(nowSeconds(manualClock(1_700_000_001_000))).toBe(1_700_000_001);
  });

  it("reads the system clock in milliseconds", () => {
    expect(Number.isInteger(systemClock.nowMs())).toBe(true);
    expect(systemClock.nowMs()).toBeGreaterThan(1_700_000_000_000);
  });
});
