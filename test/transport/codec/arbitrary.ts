import * as fc from "fast-check";
import { create, ScalarType, type DescField, type DescFile, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { file_livekit_room_service } from "../../../gen/livekit/room_service_pb.js";
import { file_roomgate_v1_grants } from "../../../gen/roomgate/v1/grants_pb.js";
import { file_roomgate_v1_participant_service } from "../../../gen/roomgate/v1/participant_service_pb.js";
import { file_roomgate_v1_token_service } from "../../../gen/roomgate/v1/token_service_pb.js";

/** Every message type of roomgate.v1 and livekit in gen/, nested ones included. */
export function generatedMessages(): DescMessage[] {
  const out: DescMessage[] = [];
  const walk = (m: DescMessage) => {
    out.push(m);
    m.nestedMessages.forEach(walk);
  };
  const files: DescFile[] = [file_roomgate_v1_grants, file_roomgate_v1_token_service, file_roomgate_v1_participant_service, file_livekit_room_service];
  for (const f of files) f.messages.forEach(walk);
  return out;
}

/** Strings mixing ASCII, any UTF-16 (lone surrogates included) and long runs. */
const anyString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.string({ minLength: 60, maxLength: 200 }),
  // Lone and paired surrogates, 1- to 4-byte characters side by side.
  fc.array(fc.oneof(fc.constantFrom("a", "é", "€", "😀", "\ud800", "\udfff", "\u0000", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff"), fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))), { maxLength: 40 }).map((parts) => parts.join("")),
);

function scalar(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return anyString;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 20 });
    case ScalarType.DOUBLE:
      return fc.double();
    case ScalarType.FLOAT:
      return fc.float();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -3, max: 300 }));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 0xffffffff });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    default:
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2_000_000_000n }));
  }
}

function enumValue(values: readonly { number: number }[]): fc.Arbitrary<number> {
  // Open enums keep numbers they do not know.
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values.map((v) => v.number)) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 1000 }) });
}

// A varint's bytes, for unknown fields.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** Unknown fields as protobuf-es keeps them (field numbers no roomgate message uses). */
export const unknownFields = fc.array(
  fc.record({ no: fc.integer({ min: 900, max: 5000 }), kind: fc.constantFrom(0, 2), value: fc.uint8Array({ maxLength: 6 }), n: fc.integer({ min: 0, max: 0x7fffffff }) })
    .map(({ no, kind, value, n }) => ({ no, wireType: kind, data: new Uint8Array(kind === 0 ? varint(n) : [...varint(value.length), ...value]) })),
  { minLength: 1, maxLength: 3 },
);

const json = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });

function fieldValue(f: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (f.fieldKind) {
    case "scalar":
      return scalar(f.scalar);
    case "enum":
      return enumValue(f.enum.values);
    case "message":
      if (f.message.typeName === "google.protobuf.Struct") return json;
      return messageArbitrary(f.message, depth + 1);
    case "list":
      if (f.listKind === "message") return fc.array(messageArbitrary(f.message, depth + 1), { maxLength: depth > 2 ? 0 : 3 });
      return fc.array(f.listKind === "enum" ? enumValue(f.enum.values) : scalar(f.scalar), { maxLength: 5 });
    case "map":
      return fc.dictionary(anyString, f.mapKind === "message" ? messageArbitrary(f.message, depth + 1) : f.mapKind === "enum" ? enumValue(f.enum.values) : scalar(f.scalar), { maxKeys: 4 });
  }
}

/** Random messages of a type: every field may be absent, zero or set; unknown fields sometimes. */
export function messageArbitrary(desc: DescMessage, depth = 0): fc.Arbitrary<MessageShape<DescMessage>> {
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of desc.fields) {
    if (depth > 3 && (f.fieldKind === "message" || f.fieldKind === "list" || f.fieldKind === "map")) continue;
    entries[f.localName] = fieldValue(f, depth);
  }
  return fc.tuple(fc.record(entries, { requiredKeys: [] }), fc.option(unknownFields, { freq: 4 })).map(([init, unknown]) => {
    const msg = create(desc, init as never) as MessageShape<DescMessage> & { $unknown?: unknown };
    if (unknown) msg.$unknown = unknown;
    return msg;
  });
}
