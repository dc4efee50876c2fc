import { ScalarType, toJsonString, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { isStructField } from "./support.js";
import { typeCache } from "./type-cache.js";
import { asBuffer } from "../bytes.js";

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
        return asBuffer(v).toString("base64");
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

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad4 = (n: number): string => (n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : `${n}`);

/**
 * `new Date(sec * 1000).toISOString()` without the ".000Z", for whole seconds
 * in 0001–9999 (Hinnant's civil-from-days): the Date round trip cost more
 * than the rest of a response's JSON.
 */
function isoSeconds(sec: number): string {
  const days = Math.floor(sec / 86400);
  let rem = sec - days * 86400;
  const hh = Math.floor(rem / 3600);
  rem -= hh * 3600;
  const mi = Math.floor(rem / 60);
  const ss = rem - mi * 60;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${pad4(y)}-${pad2(m)}-${pad2(d)}T${pad2(hh)}:${pad2(mi)}:${pad2(ss)}`;
}

// protobuf-es's timestampToJson, on the message object itself.
function timestampToJson(v: unknown): string {
  const val = v as { seconds: bigint; nanos: number };
  const ms = Number(val.seconds) * 1000;
  if (ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS || val.nanos < 0 || val.nanos > 999999999) throw NOT_MINE;
  if (typeof val.seconds === "bigint" && typeof val.nanos === "number" && Number.isInteger(val.nanos)) {
    if (val.nanos === 0) return `${isoSeconds(ms / 1000)}Z`;
  }
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

/** One field's JSON, given its value; the generated message code reads the property and applies the presence test. */
interface JsonField {
  key: string;
  when: "implicit" | "explicit" | "always";
  isZero?: (v: unknown) => boolean;
  /** The JSON value; undefined when the field is not written. */
  conv: Conv;
}

function jsonField(f: DescField, style: JsonWriteStyle, messageJson: (d: DescMessage) => MessageToJson): JsonField {
  const key = style.useProtoFieldName ? f.name : f.jsonName;
  const emitImplicit = style.alwaysEmitImplicit;
  if (isStructField(f)) {
    return {
      key,
      when: "explicit",
      conv(v) {
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw NOT_MINE;
        return structToJson(v);
      },
    };
  }
  switch (f.fieldKind) {
    case "scalar":
    case "enum": {
      const conv = f.fieldKind === "enum" ? enumToJson(f) : scalarToJson(f.scalar);
      if (f.presence !== 2) return { key, when: "explicit", conv };
      return { key, when: "implicit", isZero: zeroTest(f), conv };
    }
    case "message":
      return { key, when: "explicit", conv: messageConv(f.message, messageJson) };
    case "list": {
      const conv = f.listKind === "message" ? messageConv(f.message, messageJson) : f.listKind === "enum" ? enumToJson(f) : scalarToJson(f.scalar);
      return {
        key,
        when: "always",
        conv(list) {
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
        when: "always",
        conv(obj) {
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

/**
 * Generates the message's JSON builder: one straight run of property reads in
 * field-number order (monomorphic accesses), each written under its JSON name
 * when protobuf-es would write it.
 */
function compileMessage(desc: DescMessage, style: JsonWriteStyle, messageJson: (d: DescMessage) => MessageToJson): MessageToJson {
  const sorted = [...desc.fields].sort((a, b) => a.number - b.number);
  const fields = sorted.map((f) => jsonField(f, style, messageJson));
  const body = fields.map((f, i) => {
    const prop = JSON.stringify(sorted[i]!.localName);
    const key = JSON.stringify(f.key);
    switch (f.when) {
      case "implicit":
        // protobuf-es reads an implicit field holding undefined as its zero value; leave that to it.
        return `v = m[${prop}]; if (v === undefined) throw NOT_MINE; if (${style.alwaysEmitImplicit} || !F[${i}].isZero(v)) out[${key}] = F[${i}].conv(v);`;
      case "explicit":
        return `v = m[${prop}]; if (v !== undefined && hasOwn.call(m, ${prop})) out[${key}] = F[${i}].conv(v);`;
      case "always":
        return `v = F[${i}].conv(m[${prop}]); if (v !== undefined) out[${key}] = v;`;
    }
  }).join("\n");
  // Generated from descriptors only (names are JSON-quoted), never from message data.
  const make = new Function("F", "NOT_MINE", "hasOwn", `return function (m) { const out = {}; let v;\n${body}\nreturn out; };`) as
    (f: JsonField[], notMine: Error, own: typeof hasOwn) => MessageToJson;
  return make(fields, NOT_MINE, hasOwn);
}

/** Compiles JSON writers on demand for one style, one per message type. */
export function createJsonCache(style: JsonWriteStyle): (desc: DescMessage) => MessageToJson {
  return typeCache<MessageToJson>((desc, get) => compileMessage(desc, style, get), (enc) => (m) => enc()(m));
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
