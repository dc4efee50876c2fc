import { describe, expect, it } from "vitest";
import { createSendBudget } from "../../src/transport/send-budget.js";

describe("send budget", () => {
  it("counts held bytes until released, once per hold, and is exhausted at its limit", () => {
    const b = createSendBudget(100);
    const r1 = b.hold(60);
    expect([b.pending, b.exhausted]).toEqual([60, false]);
    const r2 = b.hold(40);
    expect([b.pending, b.exhausted]).toEqual([100, true]);
    r1();
    r1();
    expect([b.pending, b.exhausted]).toEqual([40, false]);
    r2();
    expect(b.pending).toBe(0);
  });
});
