import { fromJson, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { typeCache } from "./type-cache.js";

/** A compiled JSON decoder for one message type: the message `fromJson(desc, json, { ignoreUnknownFields: true })` returns. */
export type JsonDecoder = (json: unknown) => MessageShape<DescMessage>;

type Msg = Record<string, unknown>;

/** Thrown for input the fast path leaves to protobuf-es (which then reads it or throws its own error). */
const NOT_MINE = new Error("value left to protobuf-es");
/** protobuf-es refuses strings that are not valid UTF-16 (lone surrogates); any surrogate goes its way. */
const SURROGATE = /[\ud800-\udfff]/;
/** Below protobuf-es's recursion limit of 100, so the fast path never decides that limit. */
const MAX_DEPTH = 64;
const hasOwn = Object.prototype.hasOwnProperty;

type ValueReader = (json: unknown, depth: number) => unknown;

interface MessageReader {
  read(json: unknown, depth: number): Msg;
}

function plainString(v: unknown): string {
  if (typeof v !== "string" || SURROGATE.test(v)) throw NOT_MINE;
  return v;
}

// protobuf-es's durationFromJson, for the canonical form only ("-12.5s": at most 9 fraction digits, nothing after the s).
function durationReader(desc: DescMessage): ValueReader {
  const typeName = desc.typeName;
  return (json) => {
    if (typeof json !== "string") throw NOT_MINE;
    const match = /^(-?[0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(json);
    if (!match) throw NOT_MINE;
    const longSeconds = Number(match[1]);
    if (longSeconds > 315576000000 || longSeconds < -315576000000) throw NOT_MINE;
    const d: Msg = { $typeName: typeName, seconds: BigInt(longSeconds), nanos: 0 };
    if (typeof match[2] === "string") {
      const nanos = parseInt(match[2] + "0".repeat(9 - match[2].length));
      d.nanos = longSeconds < 0 || Object.is(longSeconds, -0) ? -nanos : nanos;
    }
    return d;
  };
}

function itemReader(f: DescField, kind: "scalar" | "enum" | "message", messageReader: (d: DescMessage) => MessageReader): ValueReader {
  if (kind === "scalar") {
    const scalar = (f as { scalar?: ScalarType }).scalar;
    if (scalar === ScalarType.STRING) return (v) => plainString(v);
    if (scalar === ScalarType.BOOL) {
      return (v) => {
        if (typeof v !== "boolean") throw NOT_MINE;
        return v;
      };
    }
    return () => {
      throw NOT_MINE;
    };
  }
  if (kind === "enum") {
    const byName = new Map((f.enum!.values).map((v) => [v.name, v.number]));
    return (v) => {
      const n = typeof v === "string" ? byName.get(v) : undefined;
      if (n === undefined) throw NOT_MINE;
      return n;
    };
  }
  const message = f.message!;
  if (message.typeName === "google.protobuf.Duration") return durationReader(message);
  if (message.typeName.startsWith("google.protobuf.")) {
    return () => {
      throw NOT_MINE;
    };
  }
  const reader = messageReader(message);
  return (v, depth) => reader.read(v, depth + 1);
}

interface FieldReader {
  field: DescField;
  /** The field's other JSON key (proto name vs JSON name), when they differ: both present is protobuf-es's error to raise. */
  other: string | undefined;
  set(m: Msg, json: unknown, depth: number): void;
}

function fieldReader(f: DescField, messageReader: (d: DescMessage) => MessageReader): FieldReader {
  const name = f.localName;
  const other = f.name !== f.jsonName ? f.name : undefined;
  let set: FieldReader["set"];
  switch (f.fieldKind) {
    case "scalar":
    case "enum":
    case "message": {
      const read = itemReader(f, f.fieldKind, messageReader);
      set = (m, json, depth) => {
        // null clears a field in protobuf-es; leave that to it.
        if (json === null) throw NOT_MINE;
        m[name] = read(json, depth);
      };
      break;
    }
    case "list": {
      const read = itemReader(f, f.listKind, messageReader);
      set = (m, json, depth) => {
        if (!Array.isArray(json)) throw NOT_MINE;
        const list = m[name] as unknown[];
        for (const item of json) {
          if (item === null) throw NOT_MINE;
          list.push(read(item, depth));
        }
      };
      break;
    }
    case "map": {
      const read = itemReader(f, f.mapKind, messageReader);
      const stringKeys = f.mapKey === ScalarType.STRING;
      set = (m, json, depth) => {
        if (!stringKeys || typeof json !== "object" || json === null || Array.isArray(json)) throw NOT_MINE;
        const map = m[name] as Msg;
        for (const key of Object.keys(json)) {
          if (key === "__proto__" || SURROGATE.test(key)) throw NOT_MINE;
          const v = (json as Msg)[key];
          if (v === null) throw NOT_MINE;
          map[key] = read(v, depth);
        }
      };
      break;
    }
  }
  return { field: f, other, set };
}

function compileMessage(desc: DescMessage, zero: () => Msg, messageReader: (d: DescMessage) => MessageReader): MessageReader {
  const byKey = new Map<string, FieldReader>();
  const fieldReaders = desc.fields.map((f) => fieldReader(f, messageReader));
  for (const r of fieldReaders) {
    byKey.set(r.field.name, r);
    byKey.set(r.field.jsonName, r);
  }
  return {
    read(json, depth) {
      if (depth > MAX_DEPTH || typeof json !== "object" || json === null || Array.isArray(json)) throw NOT_MINE;
      const m = zero();
      for (const key of Object.keys(json)) {
        const r = byKey.get(key);
        // Unknown keys are ignored (Twirp reads with ignoreUnknownFields).
        if (!r) continue;
        if (r.other !== undefined && hasOwn.call(json, r.other) && hasOwn.call(json, r.field.jsonName)) throw NOT_MINE;
        r.set(m, (json as Msg)[key], depth);
      }
      return m;
    },
  };
}

/** Compiles JSON readers on demand, one per message type; `zeroOf` makes a type's zero message as `create` does. */
export function createJsonDecoderCache(zeroOf: (d: DescMessage) => () => Msg): (desc: DescMessage) => MessageReader {
  return typeCache<MessageReader>((desc, get) => compileMessage(desc, zeroOf(desc), get), (r) => ({ read: (j, d) => r().read(j, d) }));
}

/**
 * A JSON decoder for a supported message type. Plain requests (strings,
 * booleans, enum names, nested messages, string maps, canonical durations,
 * unknown keys) are read directly; anything else (nulls, numbers, Struct,
 * Timestamp, odd UTF-16, a field given by both its names…) is read by
 * `fromJson` itself, so the result or the error is always protobuf-es's.
 */
export function compileJsonDecoder(desc: DescMessage, messageReader: (d: DescMessage) => MessageReader): JsonDecoder {
  const reader = messageReader(desc);
  return (json) => {
    try {
      return reader.read(json, 1) as MessageShape<DescMessage>;
    } catch (err) {
      if (err !== NOT_MINE) throw err;
      return fromJson(desc, json as never, { ignoreUnknownFields: true });
    }
  };
}
