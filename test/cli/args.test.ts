import { describe, expect, it } from "vitest";
import { jsonObjectFlag } from "../../src/cli/args.js";
import { CliError } from "../../src/cli/context.js";

function refusal(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error("expected a CliError");
}

describe("jsonObjectFlag", () => {
  it("returns the parsed object", () => {
    expect(jsonObjectFlag('{"a":1,"b":[true]}', "--x", "a JSON object", "cmd")).toEqual({ a: 1, b: [true] });
  });

  it.each([
    ["{bad", "--x is not valid JSON"],
    ["[1]", "--x must be a JSON object of X fields"],
    ["null", "--x must be a JSON object of X fields"],
    ['"s"', "--x must be a JSON object of X fields"],
  ])("refuses %j as a usage error naming the flag", (json, message) => {
    const err = refusal(() => jsonObjectFlag(json, "--x", "a JSON object of X fields", "cmd"));
    expect([err.message, err.exitCode, err.reason, err.command]).toEqual([message, 2, "usage", "cmd"]);
  });
});
