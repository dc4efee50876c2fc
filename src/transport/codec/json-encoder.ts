import { ScalarType, toJsonString, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { fieldPlan } from "./support.js";

/** The `toJson` options roomgate writes with (see twirp.ts). */
export interface JsonWriteStyle {
  useProtoFieldName: boolean;
  alwaysEmitImplicit: boolean;
}

/** A compiled JSON encoder for one message type and style: the text `toJsonString` writes. */
export type JsonEncoder = (msg: MessageShape<DescMessage>) => string;

type Msg = Record<string, unknown>;
type Conv = (v: unknown) => unknown;

/** Thrown for a value the compiled path leaves to protobuf-es (which then writes it or throws its own error). */
const NOT_MINE = new Error("value left to protobuf-es");
const hasOwn = Object.prototype.hasOwnProperty;
const TIME_TYPES = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration"]);
const MIN_TIMESTAMP_MS = Date.parse("0001-01-01T00:00:00Z");
const MAX_TIMESTAMP_MS = Date.parse("9999-12-31T23:59:59Z");

function scalarToJson(type: ScalarType): Conv {
  switch (type) {
    case ScalarType.INT32:
    case ScalarType.SFIXED32:
    case ScalarType.SINT32:
    case ScalarType.FIXED32:
    case ScalarType.UINT32:
      return (v) => {
        if (typeof v !== "number") throw NOT_MINE;
        return v;
      };
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return (v) => {
        if (typeof v !== "number") throw NOT_MINE;
        if (Number.isNaN(v)) return "NaN";
        if (v === Number.POSITIVE_INFINITY) return "Infinity";
        if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
        return v;
      };
    case ScalarType.STRING:
      return (v) => {
        if (typeof v !== "string") throw NOT_MINE;
        return v;
      };
    case ScalarType.BOOL:
      return (v) => {
        if (typeof v !== "boolean") throw NOT_MINE;
        return v;
      };
    case ScalarType.BYTES:
      return (v) => {
        if (!(v instanceof Uint8Array)) throw NOT_MINE;
        return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
      };
    default:
      return (v) => {
        if (typeof v === "bigint" || typeof v === "string" || (typeof v === "number" && Number.isInteger(v))) return v.toString();
        throw NOT_MINE;
      };
  }
}

function enumToJson(f: DescField & { enum: { value: Record<number, { name: string } | undefined> } }): Conv {
  const names = f.enum.value;
  return (v) => {
    if (typeof v !== "number") throw NOT_MINE;
    return names[v]?.name ?? v;
  };
}

// protobuf-es's timestampToJson, on the message object itself.
function timestampToJson(v: unknown): string {
  const val = v as { seconds: bigint; nanos: number };
  const ms = Number(val.seconds) * 1000;
  if (ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS || val.nanos < 0 || val.nanos > 999999999) throw NOT_MINE;
  let z = "Z";
  if (val.nanos > 0) {
    const nanosStr = (val.nanos + 1000000000).toString().substring(1);
    if (nanosStr.substring(3) === "000000") z = "." + nanosStr.substring(0, 3) + "Z";
    else if (nanosStr.substring(6) === "000") z = "." + nanosStr.substring(0, 6) + "Z";
    else z = "." + nanosStr + "Z";
  }
  return new Date(ms).toISOString().replace(".000Z", z);
}

// protobuf-es's durationToJson, on the message object itself.
function durationToJson(v: unknown): string {
  const val = v as { seconds: bigint; nanos: number };
  const seconds = Number(val.seconds);
  const nanos = val.nanos;
  if (seconds > 315576000000 || seconds < -315576000000) throw NOT_MINE;
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) throw NOT_MINE;
  let text = val.seconds.toString();
  if (nanos !== 0) {
    let nanosStr = Math.abs(nanos).toString();
    nanosStr = "0".repeat(9 - nanosStr.length) + nanosStr;
    if (nanosStr.substring(3) === "000000") nanosStr = nanosStr.substring(0, 3);
    else if (nanosStr.substring(6) === "000") nanosStr = nanosStr.substring(0, 6);
    text += "." + nanosStr;
    if (nanos < 0 && seconds == 0) text = "-" + text;
  }
  return text + "s";
}

// A JsonObject in a Struct field, as protobuf-es writes it after turning it into Struct/Value messages.
function structValueToJson(v: unknown): unknown {
  switch (typeof v) {
    case "number":
      if (!Number.isFinite(v)) throw NOT_MINE;
      return v;
    case "string":
    case "boolean":
      return v;
    case "object": {
      if (v === null) return null;
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (const e of v) out.push(structValueToJson(e));
        return out;
      }
      return structToJson(v);
    }
    default:
      throw NOT_MINE;
  }
}

function structToJson(v: unknown): Msg {
  // protobuf-es builds the Struct's map with plain assignment; a "__proto__" key then vanishes there too.
  const fields: Msg = {};
  for (const [k, x] of Object.entries(v as object)) fields[k] = x;
  const out: Msg = {};
  for (const [k, x] of Object.entries(fields)) out[k] = structValueToJson(x);
  return out;
}

type MessageToJson = (m: Msg) => unknown;

function messageConv(desc: DescMessage, messageJson: (d: DescMessage) => MessageToJson): Conv {
  if (desc.typeName === "google.protobuf.Timestamp") return timestampToJson;
  if (desc.typeName === "google.protobuf.Duration") return durationToJson;
  const enc = messageJson(desc);
  const typeName = desc.typeName;
  const checkType = desc.fields.length > 0;
  return (v) => {
    if (typeof v !== "object" || v === null) throw NOT_MINE;
    if (checkType && (v as Msg).$typeName !== typeName) throw NOT_MINE;
    return enc(v as Msg);
  };
}

interface JsonField {
  key: string;
  /** Returns undefined when the field is not written. */
  value(m: Msg): unknown;
}

function jsonField(f: DescField, style: JsonWriteStyle, messageJson: (d: DescMessage) => MessageToJson): JsonField {
  const key = style.useProtoFieldName ? f.name : f.jsonName;
  const name = f.localName;
  const emitImplicit = style.alwaysEmitImplicit;
  const explicitSet = (m: Msg) => m[name] !== undefined && hasOwn.call(m, name);
  if (fieldPlan(f) === "struct") {
    return {
      key,
      value(m) {
        if (!explicitSet(m)) return undefined;
        const v = m[name];
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw NOT_MINE;
        return structToJson(v);
      },
    };
  }
  switch (f.fieldKind) {
    case "scalar":
    case "enum": {
      const conv = f.fieldKind === "enum" ? enumToJson(f) : scalarToJson(f.scalar);
      if (f.presence !== 2) return { key, value: (m) => (explicitSet(m) ? conv(m[name]) : undefined) };
      const isZero = zeroTest(f);
      return {
        key,
        value(m) {
          const v = m[name];
          // protobuf-es reads an implicit field holding undefined as its zero value; leave that to it.
          if (v === undefined) throw NOT_MINE;
          if (!emitImplicit && isZero(v)) return undefined;
          return conv(v);
        },
      };
    }
    case "message": {
      const conv = messageConv(f.message, messageJson);
      return { key, value: (m) => (explicitSet(m) ? conv(m[name]) : undefined) };
    }
    case "list": {
      const conv = f.listKind === "message" ? messageConv(f.message, messageJson) : f.listKind === "enum" ? enumToJson(f) : scalarToJson(f.scalar);
      return {
        key,
        value(m) {
          const list = m[name];
          if (!Array.isArray(list)) throw NOT_MINE;
          if (list.length === 0) return emitImplicit ? [] : undefined;
          const out: unknown[] = [];
          for (const item of list) out.push(conv(item));
          return out;
        },
      };
    }
    case "map": {
      const conv = f.mapKind === "message" ? messageConv(f.message, messageJson) : f.mapKind === "enum" ? enumToJson(f) : scalarToJson(f.scalar);
      return {
        key,
        value(m) {
          const obj = m[name];
          if (typeof obj !== "object" || obj === null) throw NOT_MINE;
          const keys = Object.keys(obj);
          if (keys.length === 0) return emitImplicit ? {} : undefined;
          const out: Msg = {};
          for (const k of keys) out[k] = conv((obj as Msg)[k]);
          return out;
        },
      };
    }
  }
}

function zeroTest(f: DescField): (v: unknown) => boolean {
  if (f.fieldKind === "enum") {
    const first = f.enum.values[0]!.number;
    return (v) => v === first;
  }
  if (f.fieldKind !== "scalar") return () => false;
  switch (f.scalar) {
    case ScalarType.BOOL:
      return (v) => v === false;
    case ScalarType.STRING:
      return (v) => v === "";
    case ScalarType.BYTES:
      return (v) => v instanceof Uint8Array && !v.byteLength;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return (v) => Object.is(v, 0);
    default:
      // protobuf-es compares loosely here (0n, 0 and "0"), so anything else must leave the fast path.
      return (v) => {
        if (v === 0 || v === 0n) return true;
        if (v == 0) throw NOT_MINE;
        return false;
      };
  }
}

function compileMessage(desc: DescMessage, style: JsonWriteStyle, messageJson: (d: DescMessage) => MessageToJson): MessageToJson {
  const fields = [...desc.fields].sort((a, b) => a.number - b.number).map((f) => jsonField(f, style, messageJson));
  return (m) => {
    const out: Msg = {};
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v = f.value(m);
      if (v !== undefined) out[f.key] = v;
    }
    return out;
  };
}

/** Compiles JSON writers on demand for one style, one per message type. */
export function createJsonCache(style: JsonWriteStyle): (desc: DescMessage) => MessageToJson {
  const cache = new Map<DescMessage, MessageToJson>();
  const get = (desc: DescMessage): MessageToJson => {
    let enc = cache.get(desc);
    if (!enc) {
      const holder: { enc?: MessageToJson } = {};
      cache.set(desc, (m) => holder.enc!(m));
      holder.enc = compileMessage(desc, style, get);
      enc = holder.enc;
      cache.set(desc, enc);
    }
    return enc;
  };
  return get;
}

/**
 * A JSON encoder for a supported message type: the same text as
 * `toJsonString(desc, msg, style)`. Values the compiled path does not take go
 * to protobuf-es, which writes them or throws its own error.
 */
export function compileJsonEncoder(desc: DescMessage, style: JsonWriteStyle, messageJson: (d: DescMessage) => MessageToJson): JsonEncoder {
  // Well-known types have JSON forms of their own (a wrapper is its bare value); protobuf-es writes those.
  if (desc.typeName.startsWith("google.protobuf.") && !TIME_TYPES.has(desc.typeName)) return (msg) => toJsonString(desc, msg, style);
  const conv = messageConv(desc, messageJson);
  return (msg) => {
    let json: unknown;
    try {
      json = conv(msg);
    } catch {
      return toJsonString(desc, msg, style);
    }
    return JSON.stringify(json);
  };
}
