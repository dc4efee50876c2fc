import { describe, expect, it } from "vitest";
import { parseGoDuration, validForSeconds } from "../../../src/cli/token/valid-for.js";
import { CliError } from "../../../src/cli/context.js";

describe("parseGoDuration: what Go's time.ParseDuration accepts, nothing more", () => {
  it.each([
    ["1h", 3600e9], ["90m", 5400e9], ["1h30m", 5400e9], ["1.5h", 5400e9], [".5h", 1800e9], ["1.h", 3600e9],
    ["2h45m30.5s", (2 * 3600 + 45 * 60 + 30.5) * 1e9], ["300ms", 300e6], ["10us", 10e3], ["10µs", 10e3], ["10μs", 10e3],
    ["7ns", 7], ["0", 0], ["+0", 0], ["-0", 0], ["0s", 0], ["-1h", -3600e9], ["+5m", 300e9], ["1m1m", 120e9],
  ])("%s", (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  it.each(["", "1d", "1w", "10", "h", ".h", "1 h", "1H", "1h ", " 1h", "1.5", "--1h", "1h-1m", "one hour", "1e3s", "0x10s"])("refuses %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe("validForSeconds", () => {
  const usage = (text: string) => {
    try {
      validForSeconds(text, "token create");
    } catch (err) {
      if (err instanceof CliError) return [err.exitCode, err.reason, err.message];
    }
    throw new Error("no usage error");
  };

  it("is whole seconds of a duration of at least 1s", () => {
    expect([validForSeconds("1h", "c"), validForSeconds("1.5s", "c"), validForSeconds("1s", "c")]).toEqual([3600, 1, 1]);
  });

  it("says a negative or zero lifetime must be positive, a shorter one at least 1s, and a day is not a Go unit", () => {
    expect(usage("-5m")).toEqual([2, "usage", '--valid-for must be positive (got "-5m")']);
    expect(usage("0")).toEqual([2, "usage", '--valid-for must be positive (got "0")']);
    expect(usage("500ms")).toEqual([2, "usage", "--valid-for must be at least 1s"]);
    expect(usage("1d")).toEqual([2, "usage", '--valid-for: "1d" is not a duration like 1h, 90m, 1h30m or 1.5h (units ns, us, ms, s, m, h)']);
  });
});
