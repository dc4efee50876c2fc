import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseParticipantKey, participantKey } from "../../src/participants/model.js";

describe("participantKey", () => {
  it("separates pairs that concatenate to the same text", () => {
    const pairs: [string, string][] = [["ab", "c"], ["a", "bc"], ["", "abc"], ["abc", ""], ["1:a", ""], ["1", ":a"], ["a:", "b"], ["a", ":b"], ["10:", "x"]];
    const keys = pairs.map(([r, i]) => participantKey(r, i));
    expect(new Set(keys).size).toBe(pairs.length);
  });

  it("is the same key for the same pair, and different keys for different pairs (random pairs, any UTF-16)", () => {
    const text = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: "binary", maxLength: 6 }), fc.constantFrom("", ":", "1:", "12:a"));
    fc.assert(
      fc.property(text, text, text, text, (r1, i1, r2, i2) => {
        expect(participantKey(r1, i1)).toBe(participantKey(r1, i1));
        expect(parseParticipantKey(participantKey(r1, i1))).toEqual({ room: r1, identity: i1 });
        expect(participantKey(r1, i1) === participantKey(r2, i2)).toBe(r1 === r2 && i1 === i2);
      }),
      { numRuns: 500 },
    );
  });
});
