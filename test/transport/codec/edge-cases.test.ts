import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { create, fromBinary, toBinary, toJsonString, type DescMessage, type JsonObject, type MessageShape } from "@bufbuild/protobuf";
import { StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { ClaimsSchema, VideoGrantSchema } from "../../../gen/roomgate/v1/grants_pb.js";
import { CreateTokenRequestSchema, CreateTokenResponseSchema, Grant, VerifyTokenRequestSchema } from "../../../gen/roomgate/v1/token_service_pb.js";
import { ParticipantInfoSchema, UpdateParticipantRequestSchema } from "../../../gen/livekit/room_service_pb.js";
import { createCodecCompiler } from "../../../src/transport/codec/codec.js";
import { testSchemas } from "./test-schemas.js";

const compiler = createCodecCompiler();
const CANONICAL = { useProtoFieldName: false, alwaysEmitImplicit: false };
const LIVEKIT = { useProtoFieldName: true, alwaysEmitImplicit: true };

function outcome<T>(fn: () => T): { ok: T } | { error: string } {
  try {
    return { ok: fn() };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Encodes with both and checks bytes, decoding both ways, and both JSON styles. */
function expectSame(desc: DescMessage, msg: MessageShape<DescMessage>): Buffer {
  const codec = compiler.codec(desc);
  const theirs = toBinary(desc, msg);
  const ours = codec.encode(msg);
  expect([...ours]).toEqual([...theirs]);
  expect(codec.decode(theirs)).toStrictEqual(fromBinary(desc, theirs));
  for (const style of [CANONICAL, LIVEKIT]) expect(codec.toJson(msg, style)).toBe(toJsonString(desc, msg, style));
  return ours;
}

/** Decodes bytes with both: same message, or both fail. */
function expectSameDecode(desc: DescMessage, bytes: Uint8Array): void {
  expect(outcome(() => compiler.codec(desc).decode(bytes))).toStrictEqual(outcome(() => fromBinary(desc, bytes)));
}

// tag, then a varint payload
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
const tag = (no: number, wt: number) => varint((no << 3) | wt);

describe("compiled codec edge cases", () => {
  it("keeps unknown fields of every wire type as $unknown, and writes them back unchanged", () => {
    const bytes = new Uint8Array([
      ...tag(1, 2), 3, 0x61, 0x62, 0x63, // token "abc"
      ...tag(900, 0), ...varint(300),
      ...tag(901, 1), 1, 2, 3, 4, 5, 6, 7, 8,
      ...tag(902, 2), 2, 0xff, 0x00,
      ...tag(903, 5), 9, 9, 9, 9,
      ...tag(904, 3), ...tag(1, 0), 7, ...tag(904, 4), // a group
    ]);
    const ours = compiler.codec(VerifyTokenRequestSchema).decode(bytes);
    expect(ours).toStrictEqual(fromBinary(VerifyTokenRequestSchema, bytes));
    expect((ours as { $unknown?: { no: number }[] }).$unknown?.map((u) => u.no)).toEqual([900, 901, 902, 903, 904]);
    expect([...compiler.codec(VerifyTokenRequestSchema).encode(ours)]).toEqual([...bytes]);
  });

  it("writes and reads unicode exactly: multi-byte, astral, and lone surrogates as U+FFFD", () => {
    for (const s of ["héllo", "€", "😀 room", "\ud800", "a\udfffb", "\ud83d\ude00\ud83d", "x".repeat(70) + "é", "é".repeat(70), "\ud800".repeat(40) + "x".repeat(40), "😀".repeat(40) + "\udc00", "\ufeffa leading BOM"]) {
      const out = expectSame(ClaimsSchema, create(ClaimsSchema, { identity: s, name: s, attributes: { [s]: s } }));
      expect(compiler.codec(ClaimsSchema).decode(out)).toStrictEqual(fromBinary(ClaimsSchema, out));
    }
  });

  it("refuses invalid UTF-8 in a string field exactly where fromBinary refuses it", () => {
    expectSameDecode(VerifyTokenRequestSchema, new Uint8Array([...tag(1, 2), 2, 0xc3, 0x28]));
    expect(() => compiler.codec(VerifyTokenRequestSchema).decode(new Uint8Array([...tag(1, 2), 2, 0xc3, 0x28]))).toThrow();
  });

  it("maps: insertion order, integer-like keys, empty keys and values, a __proto__ key", () => {
    const attributes = JSON.parse('{"b":"1","10":"x","2":"y","":"","__proto__":"p"}') as Record<string, string>;
    const msg = create(UpdateParticipantRequestSchema, { room: "r", identity: "i", attributes });
    expectSame(UpdateParticipantRequestSchema, msg);
    // A map entry missing its key or value reads as the zero value; a repeated key keeps the last value.
    expectSameDecode(UpdateParticipantRequestSchema, new Uint8Array([...tag(6, 2), 3, ...tag(2, 2), 1, 0x76, ...tag(6, 2), 0, ...tag(6, 2), 3, ...tag(1, 2), 1, 0x6b, ...tag(6, 2), 3, ...tag(1, 2), 1, 0x6b]));
  });

  it("Struct fields: JsonObject in, JsonObject out, repeated occurrences merge", () => {
    const roomConfig = { name: "r", n: 1.5, neg: -0, list: [1, "a", null, true, { deep: [[]] }], nested: { x: { y: null } }, empty: {} };
    const bytes = expectSame(ClaimsSchema, create(ClaimsSchema, { identity: "a", roomConfig }));
    expect(compiler.codec(ClaimsSchema).decode(bytes).roomConfig).toStrictEqual(fromBinary(ClaimsSchema, bytes).roomConfig);
    const twice = new Uint8Array([...bytes, ...toBinary(ClaimsSchema, create(ClaimsSchema, { roomConfig: { name: "other", extra: 2 } }))]);
    expectSameDecode(ClaimsSchema, twice);
    expect(compiler.codec(ClaimsSchema).decode(twice).roomConfig).toMatchObject({ name: "other", extra: 2, n: 1.5 });
  });

  it("values protobuf-es refuses in a Struct are refused the same way", () => {
    for (const roomConfig of [{ x: Number.NaN }, { x: undefined }, { x: Infinity }]) {
      const msg = create(ClaimsSchema, { roomConfig: roomConfig as never });
      const codec = compiler.codec(ClaimsSchema);
      expect(outcome(() => [...codec.encode(msg)])).toStrictEqual(outcome(() => [...toBinary(ClaimsSchema, msg)]));
      expect(outcome(() => codec.toJson(msg, CANONICAL))).toStrictEqual(outcome(() => toJsonString(ClaimsSchema, msg, CANONICAL)));
    }
  });

  it("Timestamp and Duration JSON: every nanos precision, negative durations, and the range errors", () => {
    for (const nanos of [0, 1, 1000, 1_000_000, 120_000_000, 999_999_999]) {
      expectSame(CreateTokenResponseSchema, create(CreateTokenResponseSchema, { token: "t", issuedAt: { seconds: 1_700_000_000n, nanos }, expiresAt: { seconds: -62135596800n, nanos } }));
      expectSame(CreateTokenRequestSchema, create(CreateTokenRequestSchema, { ttl: { seconds: 0n, nanos: -nanos } }));
      expectSame(CreateTokenRequestSchema, create(CreateTokenRequestSchema, { ttl: { seconds: -5n, nanos: -nanos } }));
    }
    for (const bad of [{ issuedAt: { seconds: 253402300800n, nanos: 0 } }, { issuedAt: { seconds: 0n, nanos: -1 } }, { issuedAt: { seconds: 0n, nanos: 1_000_000_000 } }]) {
      const msg = create(CreateTokenResponseSchema, bad);
      expect(outcome(() => compiler.codec(CreateTokenResponseSchema).toJson(msg, CANONICAL))).toStrictEqual(outcome(() => toJsonString(CreateTokenResponseSchema, msg, CANONICAL)));
      expect(outcome(() => compiler.codec(CreateTokenResponseSchema).toJson(msg, CANONICAL))).toHaveProperty("error");
    }
  });

  it("Timestamp JSON equals protobuf-es's over the whole 0001–9999 range", () => {
    const seconds = fc.oneof(
      fc.bigInt({ min: -62135596800n, max: 253402300799n }),
      fc.constantFrom(-62135596800n, 253402300799n, 0n, -1n, 951782400n, 951868800n, 4107542400n, -2208988800n, -2203891200n),
    );
    fc.assert(
      fc.property(seconds, fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 })), (s, nanos) => {
        const msg = create(CreateTokenResponseSchema, { issuedAt: { seconds: s, nanos } });
        expect(compiler.codec(CreateTokenResponseSchema).toJson(msg, CANONICAL)).toBe(toJsonString(CreateTokenResponseSchema, msg, CANONICAL));
      }),
      { numRuns: 3000 },
    );
  });

  it("proto3 optional: an explicit false is written, an absent field is not", () => {
    const set = expectSame(VideoGrantSchema, create(VideoGrantSchema, { canPublish: false, canSubscribe: true }));
    expect(compiler.codec(VideoGrantSchema).decode(set)).toMatchObject({ canPublish: false, canSubscribe: true });
    const unset = expectSame(VideoGrantSchema, create(VideoGrantSchema, {}));
    expect(unset.length).toBe(0);
    expect("canPublish" in compiler.codec(VideoGrantSchema).decode(unset)).toBe(false);
  });

  it("open enums keep unknown numbers, negative ones included, in JSON as numbers", () => {
    const msg = create(VerifyTokenRequestSchema, { token: "t", require: [Grant.ROOM_JOIN, 999 as Grant, -3 as Grant] });
    const bytes = expectSame(VerifyTokenRequestSchema, msg);
    expect(compiler.codec(VerifyTokenRequestSchema).decode(bytes).require).toEqual([Grant.ROOM_JOIN, 999, -3]);
    expect(compiler.codec(VerifyTokenRequestSchema).toJson(msg, CANONICAL)).toContain('"require":["GRANT_ROOM_JOIN",999,-3]');
  });

  it("repeated fields: packed when written, packed or unpacked (or both) when read", () => {
    const packed = toBinary(VerifyTokenRequestSchema, create(VerifyTokenRequestSchema, { require: [1, 2, 3] }));
    expect([...packed.subarray(0, 1)]).toEqual(tag(2, 2));
    const unpacked = new Uint8Array([...tag(2, 0), 1, ...tag(2, 0), 2, ...tag(2, 2), 2, 3, 4]);
    expectSameDecode(VerifyTokenRequestSchema, unpacked);
    expect(compiler.codec(VerifyTokenRequestSchema).decode(unpacked).require).toEqual([1, 2, 3, 4]);
    const { allScalars } = testSchemas();
    const m = create(allScalars, { uInt64: [1n, 2n], uSint32: [-1, 5], rDouble: [0, -0, Number.NaN], uString: ["a", ""] } as never);
    expectSame(allScalars, m);
  });

  it("64-bit fields: int64 extremes, uint64 above 2^63, uint32 above 2^31", () => {
    expectSame(ParticipantInfoSchema, create(ParticipantInfoSchema, { joinedAt: -(2n ** 63n), joinedAtMs: 2n ** 63n - 1n, version: 0xffffffff }));
    const { allScalars } = testSchemas();
    expectSame(allScalars, create(allScalars, { sUint64: 2n ** 64n - 1n, sFixed64: 2n ** 63n, sSint64: -(2n ** 63n), sSfixed64: -1n, sFloat: 3.4028234663852886e38 } as never));
  });

  it("values the compiled path does not take go to protobuf-es: a number in an int64, a foreign message", () => {
    const numberSeconds = create(CreateTokenResponseSchema, { issuedAt: { seconds: 5n, nanos: 0 } });
    (numberSeconds.issuedAt as unknown as { seconds: unknown }).seconds = 5;
    expect([...compiler.codec(CreateTokenResponseSchema).encode(numberSeconds)]).toEqual([...toBinary(CreateTokenResponseSchema, numberSeconds)]);
    const foreign = create(CreateTokenResponseSchema, { claims: create(VideoGrantSchema) as never });
    expect(outcome(() => [...compiler.codec(CreateTokenResponseSchema).encode(foreign)])).toStrictEqual(outcome(() => [...toBinary(CreateTokenResponseSchema, foreign)]));
    expect(outcome(() => compiler.codec(CreateTokenResponseSchema).encode(foreign))).toHaveProperty("error");
    const outOfRange = create(ParticipantInfoSchema, { version: -1 });
    expect(outcome(() => [...compiler.codec(ParticipantInfoSchema).encode(outOfRange)])).toStrictEqual(outcome(() => [...toBinary(ParticipantInfoSchema, outOfRange)]));
  });

  it("recursion limit: 100 nested messages decode, 101 fail, as in fromBinary (Struct nesting and unknown groups)", () => {
    // A Struct field whose value nests Struct → Value → Struct … to a chosen depth.
    const nest = (levels: number): JsonObject => {
      let v: JsonObject = {};
      for (let i = 0; i < levels; i++) v = { a: v };
      return v;
    };
    for (const levels of [45, 47, 48, 49, 60]) {
      const bytes = toBinary(ClaimsSchema, create(ClaimsSchema, { roomConfig: nest(levels) }));
      expectSameDecode(ClaimsSchema, bytes);
    }
    // Claims is depth 1, its Struct 2, and each level adds a Value and a Struct: 49 levels reach exactly 100.
    expect(compiler.codec(ClaimsSchema).decode(toBinary(ClaimsSchema, create(ClaimsSchema, { roomConfig: nest(49) }))).roomConfig).toStrictEqual(nest(49));
    expect(() => compiler.codec(ClaimsSchema).decode(toBinary(ClaimsSchema, create(ClaimsSchema, { roomConfig: nest(50) })))).toThrow(/maximum recursion depth/);
    const group = (depth: number) => new Uint8Array([...Array.from({ length: depth }, () => tag(905, 3)).flat(), ...Array.from({ length: depth }, () => tag(905, 4)).flat()]);
    for (const depth of [99, 100, 101, 150]) expectSameDecode(VerifyTokenRequestSchema, group(depth));
  });

  it("lengths past the end (up to and beyond 2 GiB) fail as fromBinary fails, without reading past the buffer", () => {
    for (const len of [5, 0x7fffffff, 0x80000000, 0xffffffff]) {
      expectSameDecode(VerifyTokenRequestSchema, new Uint8Array([...tag(1, 2), ...varint(len), 0x61]));
      expectSameDecode(ClaimsSchema, new Uint8Array([...tag(14, 2), ...varint(len), 0x61]));
      expectSameDecode(CreateTokenRequestSchema, new Uint8Array([...tag(1, 2), ...varint(len), 0x61]));
      expect(() => compiler.codec(VerifyTokenRequestSchema).decode(new Uint8Array([...tag(1, 2), ...varint(len), 0x61]))).toThrow();
    }
    // Tags that overflow uint32, field number 0, wire types 6 and 7.
    for (const bad of [[0xff, 0xff, 0xff, 0xff, 0x7f], [0x00], [0x0e], [0x0f]]) expectSameDecode(VerifyTokenRequestSchema, new Uint8Array(bad));
  });

  it("types outside the compiled subset are served by protobuf-es, decided when compiled", () => {
    const { closed, withOneof } = testSchemas();
    expect(compiler.codec(closed).fallbackReason).toMatch(/proto3|closed/);
    expect(compiler.codec(withOneof).fallbackReason).toMatch(/oneof/);
    expect(compiler.codec(StructSchema).fallbackReason).toMatch(/oneof/);
    expect(compiler.codec(ValueSchema).fallbackReason).toMatch(/oneof/);
    const bytes = new Uint8Array([...tag(1, 0), 5]);
    expect(compiler.codec(closed).decode(bytes)).toStrictEqual(fromBinary(closed, bytes));
    const v = create(ValueSchema, { kind: { case: "stringValue", value: "x" } });
    expect([...compiler.codec(ValueSchema).encode(v)]).toEqual([...toBinary(ValueSchema, v)]);
    expect(compiler.codec(ValueSchema).toJson(v, CANONICAL)).toBe('"x"');
  });
});
