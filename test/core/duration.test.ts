import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/core/duration.js";

describe("parseDuration", () => {
  it.each([
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["90s", 90_000],
    ["1.5h", 5_400_000],
    ["500ms", 500],
    ["5m", 300_000],
    ["10m", 600_000],
    ["6h", 21_600_000],
    ["1m30s", 90_000],
    ["2h45m30.5s", 9_930_500],
    [".5s", 500],
    ["1500us", 2],
    ["1500µs", 2],
    ["2000000ns", 2],
    ["1d", 86_400_000],
    ["0", 0],
    ["0s", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([["1x"], [""], ["h"], ["10"], ["1h30"], ["1h 30m"], ["ms"], ["1.h"], ["-1h"], ["1H"], ["1hh"], ["one hour"]])(
    "refuses %j",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});
