import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromBinary, toBinary, toJsonString, type DescMessage } from "@bufbuild/protobuf";
import { createCodecCompiler } from "../../../src/transport/codec/codec.js";
import { generatedMessages, messageArbitrary } from "./arbitrary.js";
import { testSchemas } from "./test-schemas.js";

const STYLES = [
  { useProtoFieldName: false, alwaysEmitImplicit: false },
  { useProtoFieldName: true, alwaysEmitImplicit: true },
];

// Both produce the same value, or both throw.
function outcome<T>(fn: () => T): { ok: T } | { threw: true } {
  try {
    return { ok: fn() };
  } catch {
    return { threw: true };
  }
}

const compiler = createCodecCompiler();
const generated = generatedMessages();
// Every scalar type, proto3 optional, packed and unpacked lists: what gen/ does not use yet must be exact too.
const types = [...generated, testSchemas().allScalars];

describe("compiled codec against protobuf-es, random messages", () => {
  it("compiles every roomgate.v1 and livekit type (none falls back)", () => {
    const fallbacks = generated.map((d) => [d.typeName, compiler.codec(d).fallbackReason]).filter(([, r]) => r !== undefined);
    expect(fallbacks).toEqual([]);
    expect(generated.length).toBeGreaterThan(20);
    expect(compiler.codec(testSchemas().allScalars).fallbackReason).toBeUndefined();
  });

  for (const desc of types) {
    it(`${desc.typeName}: bytes, decoding and JSON equal protobuf-es's`, () => {
      const codec = compiler.codec(desc as DescMessage);
      fc.assert(
        fc.property(messageArbitrary(desc), (msg) => {
          const theirs = toBinary(desc, msg);
          const ours = codec.encode(msg);
          expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
          expect(fromBinary(desc, new Uint8Array(ours))).toStrictEqual(fromBinary(desc, theirs));
          expect(codec.decode(Buffer.from(theirs))).toStrictEqual(fromBinary(desc, Buffer.from(theirs)));
          expect(codec.decode(theirs)).toStrictEqual(fromBinary(desc, theirs));
          for (const style of STYLES) {
            expect(outcome(() => codec.toJson(msg, style))).toStrictEqual(outcome(() => toJsonString(desc, msg, style)));
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  it("decodes arbitrary bytes exactly as fromBinary does, or fails where it fails", () => {
    for (const desc of types) {
      const codec = compiler.codec(desc as DescMessage);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
          expect(outcome(() => codec.decode(Buffer.from(bytes)))).toStrictEqual(outcome(() => fromBinary(desc, Buffer.from(bytes))));
        }),
        { numRuns: 200 },
      );
    }
  });

  it("decodes damaged encodings exactly as fromBinary does", () => {
    for (const desc of types) {
      const codec = compiler.codec(desc as DescMessage);
      fc.assert(
        fc.property(messageArbitrary(desc), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (msg, at, byte, cut) => {
          const bytes = Buffer.from(toBinary(desc, msg));
          if (bytes.length > 0) bytes[at % bytes.length] = byte;
          const damaged = bytes.subarray(0, bytes.length - (cut % 3));
          expect(outcome(() => codec.decode(damaged))).toStrictEqual(outcome(() => fromBinary(desc, damaged)));
        }),
        { numRuns: 100 },
      );
    }
  });
});
