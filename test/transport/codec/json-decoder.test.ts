import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromJson, toJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import { CreateTokenRequestSchema, VerifyTokenRequestSchema } from "../../../gen/roomgate/v1/token_service_pb.js";
import { UpdateParticipantRequestSchema } from "../../../gen/livekit/room_service_pb.js";
import { createCodecCompiler } from "../../../src/transport/codec/codec.js";
import { generatedMessages, messageArbitrary } from "./arbitrary.js";

const compiler = createCodecCompiler();
const types = generatedMessages();

function outcome<T>(fn: () => T): { ok: T } | { threw: true } {
  try {
    return { ok: fn() };
  } catch {
    return { threw: true };
  }
}

const theirs = (desc: DescMessage, json: unknown) => fromJson(desc, json as JsonValue, { ignoreUnknownFields: true });

// JSON as callers write it: toJson of a random message, in both name styles, sometimes with extra keys.
function jsonOf(desc: DescMessage): fc.Arbitrary<unknown> {
  return fc.tuple(messageArbitrary(desc), fc.boolean(), fc.boolean(), fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }))
    .map(([msg, protoNames, implicit, extra]) => {
      try {
        const json = toJson(desc, msg, { useProtoFieldName: protoNames, alwaysEmitImplicit: implicit }) as Record<string, unknown>;
        return typeof json === "object" && json !== null && !Array.isArray(json) ? { ...extra, ...json } : json;
      } catch {
        return extra;
      }
    });
}

// JSON made of the type's own keys with any values: nulls, numbers, wrong types, both names of a field.
function hostileJsonOf(desc: DescMessage): fc.Arbitrary<unknown> {
  const keys = desc.fields.flatMap((f) => [f.name, f.jsonName]);
  const values = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("GRANT_ROOM_JOIN", "TRACK_SOURCE_CAMERA", "3600s", "-1.5s", "1.0000000001s", "2026-01-01T00:00:00Z", "\ud800", "__proto__"));
  return fc.oneof(
    fc.dictionary(fc.constantFrom(...keys, "__proto__", "unknown"), values, { maxKeys: 5 }),
    fc.jsonValue({ maxDepth: 2 }),
  );
}

describe("compiled JSON decoder against fromJson (ignoreUnknownFields)", () => {
  for (const desc of types) {
    it(`${desc.typeName}: the same message, or an error where fromJson errs`, () => {
      const codec = compiler.codec(desc as DescMessage);
      fc.assert(
        fc.property(fc.oneof(jsonOf(desc), hostileJsonOf(desc)), (json) => {
          expect(outcome(() => codec.fromJson(json))).toStrictEqual(outcome(() => theirs(desc, json)));
        }),
        { numRuns: 120 },
      );
    });
  }

  it("reads the requests the services get: names and enum names, durations, string maps", () => {
    const cases: [DescMessage, unknown][] = [
      [VerifyTokenRequestSchema, { token: "t", require: ["GRANT_ROOM_JOIN", "GRANT_CAN_PUBLISH"], room: "r" }],
      [CreateTokenRequestSchema, { claims: { identity: "a", video: { roomJoin: true, room: "r", canPublish: false } }, ttl: "3600s", api_key: "k" }],
      [CreateTokenRequestSchema, { ttl: "-0.5s" }],
      [CreateTokenRequestSchema, { ttl: "1.000000001s" }],
      [UpdateParticipantRequestSchema, { room: "r", identity: "i", attributes: { a: "1", "": "" } }],
    ];
    for (const [desc, json] of cases) expect(compiler.codec(desc).fromJson(json)).toStrictEqual(theirs(desc, json));
  });

  it("leaves to fromJson, and so errs like it: a field by both names, null list items, lone surrogates, unknown enum numbers", () => {
    const cases: [DescMessage, unknown][] = [
      [CreateTokenRequestSchema, { apiKey: "a", api_key: "b" }],
      [VerifyTokenRequestSchema, { require: [null] }],
      [VerifyTokenRequestSchema, { token: "\ud800" }],
      [VerifyTokenRequestSchema, { require: [99999999999] }],
      [CreateTokenRequestSchema, { ttl: "forever" }],
      [VerifyTokenRequestSchema, [1]],
    ];
    for (const [desc, json] of cases) {
      expect(outcome(() => compiler.codec(desc).fromJson(json))).toStrictEqual(outcome(() => theirs(desc, json)));
    }
    expect(() => compiler.codec(CreateTokenRequestSchema).fromJson({ apiKey: "a", api_key: "b" })).toThrow();
  });
});
