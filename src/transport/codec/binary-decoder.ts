import { ScalarType, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { BinaryReader, getTextEncoding } from "@bufbuild/protobuf/wire";
import { isStructField } from "./support.js";
import { typeCache } from "./type-cache.js";

/** A compiled binary decoder for one message type. */
export type BinaryDecoder = (bytes: Uint8Array) => MessageShape<DescMessage>;

type Msg = Record<string, unknown>;

/** protobuf-es's default recursion limit for fromBinary. */
const RECURSION_LIMIT = 100;

interface Ctx {
  depth: number;
  /** The bytes the reader reads (its own field is protected). */
  buf: Uint8Array;
}

type FieldReader = (m: Msg, r: BinaryReader, wireType: number, ctx: Ctx) => void;

interface MessageReader {
  zero(): Msg;
  read(m: Msg, r: BinaryReader, ctx: Ctx, length: number): void;
}

const utf8 = getTextEncoding();

/**
 * A string as BinaryReader.string() reads it; short ASCII runs skip the
 * TextDecoder call, anything else (or any odd length) is read by the reader itself.
 */
function readString(r: BinaryReader, buf: Uint8Array, strict: boolean): string {
  const start = r.pos;
  const len = r.uint32();
  const from = r.pos;
  const end = from + len;
  if (end <= r.len) {
    let ascii = true;
    for (let i = from; i < end; i++) {
      if (buf[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      r.pos = end;
      if (Buffer.isBuffer(buf) && end - from > 16) return buf.toString("latin1", from, end);
      let s = "";
      for (let i = from; i < end; i++) s += String.fromCharCode(buf[i]!);
      return s;
    }
    r.pos = end;
    return utf8.decodeUtf8(buf.subarray(from, end), strict);
  }
  r.pos = start;
  return r.string(strict);
}

function scalarReader(type: ScalarType, strict: boolean): (r: BinaryReader, ctx: Ctx) => unknown {
  switch (type) {
    case ScalarType.STRING:
      return (r, ctx) => readString(r, ctx.buf, strict);
    case ScalarType.BOOL:
      return (r) => r.bool();
    case ScalarType.DOUBLE:
      return (r) => r.double();
    case ScalarType.FLOAT:
      return (r) => r.float();
    case ScalarType.INT32:
      return (r) => r.int32();
    case ScalarType.INT64:
      return (r) => r.int64();
    case ScalarType.UINT64:
      return (r) => r.uint64();
    case ScalarType.FIXED64:
      return (r) => r.fixed64();
    case ScalarType.BYTES:
      return (r) => r.bytes();
    case ScalarType.FIXED32:
      return (r) => r.fixed32();
    case ScalarType.SFIXED32:
      return (r) => r.sfixed32();
    case ScalarType.SFIXED64:
      return (r) => r.sfixed64();
    case ScalarType.SINT64:
      return (r) => r.sint64();
    case ScalarType.UINT32:
      return (r) => r.uint32();
    case ScalarType.SINT32:
      return (r) => r.sint32();
  }
}

function zeroScalar(type: ScalarType): () => unknown {
  switch (type) {
    case ScalarType.STRING:
      return () => "";
    case ScalarType.BOOL:
      return () => false;
    case ScalarType.BYTES:
      return () => new Uint8Array(0);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SFIXED64:
    case ScalarType.FIXED64:
    case ScalarType.SINT64:
      return () => 0n;
    default:
      return () => 0;
  }
}

// protobuf-es's wktStructToReflect: a Struct field's JsonObject as the Struct message it merges into.
function structToMessage(json: unknown): Msg {
  const fields: Msg = {};
  if (json !== null && typeof json === "object" && !Array.isArray(json)) {
    for (const [k, v] of Object.entries(json)) fields[k] = valueToMessage(v);
  }
  return { $typeName: "google.protobuf.Struct", fields };
}

function valueToMessage(json: unknown): Msg {
  const value: Msg = { $typeName: "google.protobuf.Value", kind: { case: undefined } };
  switch (typeof json) {
    case "number":
      value.kind = { case: "numberValue", value: json };
      break;
    case "string":
      value.kind = { case: "stringValue", value: json };
      break;
    case "boolean":
      value.kind = { case: "boolValue", value: json };
      break;
    case "object":
      if (json === null) value.kind = { case: "nullValue", value: 0 };
      else if (Array.isArray(json)) {
        const values: Msg[] = [];
        for (const e of json) values.push(valueToMessage(e));
        value.kind = { case: "listValue", value: { $typeName: "google.protobuf.ListValue", values } };
      } else value.kind = { case: "structValue", value: structToMessage(json) };
      break;
  }
  return value;
}

// protobuf-es's wktStructToLocal: the JsonObject a Struct field holds.
function structToLocal(struct: Msg): Msg {
  const json: Msg = {};
  for (const [k, v] of Object.entries(struct.fields as Msg)) json[k] = valueToLocal(v as Msg);
  return json;
}

function valueToLocal(val: Msg): unknown {
  const kind = val.kind as { case: string | undefined; value?: unknown };
  switch (kind.case) {
    case "structValue":
      return structToLocal(kind.value as Msg);
    case "listValue":
      return ((kind.value as Msg).values as Msg[]).map(valueToLocal);
    case "nullValue":
    case undefined:
      return null;
    default:
      return kind.value;
  }
}

// A Struct field holds a JsonObject: read as the Struct message (merging into what was read
// before, as protobuf-es does), then turned into the JsonObject.
function structReader(f: DescField & { fieldKind: "message" }, messageReader: (d: DescMessage) => MessageReader): FieldReader {
  const dec = messageReader(f.message);
  const name = f.localName;
  return (m, r, _wt, ctx) => {
    const existing = m[name];
    const target = existing !== undefined ? structToMessage(existing) : dec.zero();
    dec.read(target, r, ctx, r.uint32());
    m[name] = structToLocal(target);
  };
}

// A member of a oneof (only google.protobuf.Value has them among the types decoded here).
function oneofReader(f: DescField, oneof: string, messageReader: (d: DescMessage) => MessageReader): FieldReader {
  const name = f.localName;
  if (f.fieldKind === "message") {
    const dec = messageReader(f.message);
    return (m, r, _wt, ctx) => {
      const current = m[oneof] as { case: string | undefined; value?: Msg };
      const target = current.case === name && current.value !== undefined ? current.value : dec.zero();
      dec.read(target, r, ctx, r.uint32());
      m[oneof] = { case: name, value: target };
    };
  }
  const read = f.fieldKind === "enum" ? (rd: BinaryReader) => rd.int32() : f.fieldKind === "scalar" ? scalarReader(f.scalar, f.utf8Validation) : undefined;
  if (!read) throw new Error(`${f}: lists and maps cannot be in a oneof`);
  return (m, r, _wt, ctx) => {
    m[oneof] = { case: name, value: read(r, ctx) };
  };
}

function fieldReader(f: DescField, messageReader: (d: DescMessage) => MessageReader): FieldReader {
  if (isStructField(f)) return structReader(f, messageReader);
  if (f.oneof) return oneofReader(f, f.oneof.localName, messageReader);
  const name = f.localName;
  switch (f.fieldKind) {
    case "scalar": {
      const read = scalarReader(f.scalar, f.utf8Validation);
      return (m, r, _wt, ctx) => {
        m[name] = read(r, ctx);
      };
    }
    case "enum":
      return (m, r) => {
        m[name] = r.int32();
      };
    case "message": {
      const dec = messageReader(f.message);
      return (m, r, _wt, ctx) => {
        // A repeated occurrence merges into the message read so far, as protobuf-es does.
        const target = (m[name] as Msg | undefined) ?? dec.zero();
        dec.read(target, r, ctx, r.uint32());
        m[name] = target;
      };
    }
    case "list": {
      if (f.listKind === "message") {
        const dec = messageReader(f.message);
        return (m, r, _wt, ctx) => {
          const item = dec.zero();
          dec.read(item, r, ctx, r.uint32());
          (m[name] as unknown[]).push(item);
        };
      }
      const type = f.listKind === "enum" ? ScalarType.INT32 : f.scalar;
      const read = f.listKind === "enum" ? (r: BinaryReader) => r.int32() : scalarReader(type, f.utf8Validation);
      const packable = type !== ScalarType.STRING && type !== ScalarType.BYTES;
      return (m, r, wireType, ctx) => {
        const list = m[name] as unknown[];
        if (!(packable && wireType === 2)) {
          list.push(read(r, ctx));
          return;
        }
        const e = r.uint32() + r.pos;
        while (r.pos < e) list.push(read(r, ctx));
      };
    }
    case "map": {
      const readKey = scalarReader(ScalarType.STRING, f.utf8Validation);
      let readValue: (r: BinaryReader, ctx: Ctx) => unknown;
      let zeroValue: () => unknown;
      if (f.mapKind === "message") {
        const mr = messageReader(f.message);
        readValue = (r, ctx) => {
          const v = mr.zero();
          mr.read(v, r, ctx, r.uint32());
          return v;
        };
        zeroValue = () => mr.zero();
      } else if (f.mapKind === "enum") {
        const first = f.enum.values[0]!.number;
        readValue = (r) => r.int32();
        zeroValue = () => first;
      } else {
        const read = scalarReader(f.scalar, f.utf8Validation);
        readValue = (r, ctx) => read(r, ctx);
        zeroValue = zeroScalar(f.scalar);
      }
      // The same loop as protobuf-es's readMapEntry, including what it does with odd entries.
      return (m, r, _wt, ctx) => {
        let key: unknown;
        let val: unknown;
        const len = r.uint32();
        const end = r.pos + len;
        while (r.pos < end) {
          const fieldNo = readTag(r, ctx.buf) >>> 3;
          if (fieldNo === 1) key = readKey(r, ctx);
          else if (fieldNo === 2) val = readValue(r, ctx);
        }
        if (key === undefined) key = "";
        if (val === undefined) val = zeroValue();
        (m[name] as Msg)[key as string] = val;
      };
    }
  }
}

/** Makes a type's zero message exactly as protobuf-es's `create` does (proto3: implicit fields and oneofs only). */
export function zeroFactory(desc: DescMessage): () => Msg {
  const inits: [string, () => unknown][] = [];
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      inits.push([member.localName, () => ({ case: undefined })]);
      continue;
    }
    if (member.presence !== 2) continue;
    switch (member.fieldKind) {
      case "list":
        inits.push([member.localName, () => []]);
        break;
      case "map":
        inits.push([member.localName, () => ({})]);
        break;
      case "scalar":
        inits.push([member.localName, zeroScalar(member.scalar)]);
        break;
      case "enum": {
        const first = member.enum.values[0]!.number;
        inits.push([member.localName, () => first]);
        break;
      }
      case "message":
        break;
    }
  }
  const typeName = desc.typeName;
  return () => {
    const m: Msg = { $typeName: typeName };
    for (let i = 0; i < inits.length; i++) m[inits[i]![0]] = inits[i]![1]();
    return m;
  };
}

// BinaryReader.tag() without its result array: the same checks and the same errors.
function readTag(r: BinaryReader, buf: Uint8Array): number {
  const start = r.pos;
  const tag = r.uint32();
  const bytesRead = r.pos - start;
  if (bytesRead > 5 || (bytesRead === 5 && buf[r.pos - 1]! > 0x0f)) throw new Error("illegal tag: varint overflows uint32");
  const fieldNo = tag >>> 3;
  const wireType = tag & 7;
  if (fieldNo <= 0 || wireType > 5) throw new Error("illegal tag: field no " + fieldNo + " wire type " + wireType);
  return tag;
}

function compileMessage(desc: DescMessage, messageReader: (d: DescMessage) => MessageReader): MessageReader {
  // Field numbers up to 127 (every roomgate field) index an array; the rest go through a map.
  const dense: (FieldReader | undefined)[] = [];
  const sparse = new Map<number, FieldReader>();
  for (const f of desc.fields) {
    const read = fieldReader(f, messageReader);
    if (f.number < 128) dense[f.number] = read;
    else sparse.set(f.number, read);
  }
  const label = String(desc);
  return {
    zero: zeroFactory(desc),
    // protobuf-es's readMessage, for length-delimited messages.
    read(m, r, ctx, length) {
      if (++ctx.depth > RECURSION_LIMIT) {
        throw new Error(`cannot decode ${label} from binary: maximum recursion depth of ${RECURSION_LIMIT} reached`);
      }
      const end = r.pos + length;
      // protobuf-es starts from the message's own unknown fields (merging) and sets them only when there are some.
      let unknown = m.$unknown as { no: number; wireType: number; data: Uint8Array }[] | undefined;
      while (r.pos < end) {
        const tag = readTag(r, ctx.buf);
        const fieldNo = tag >>> 3;
        const wireType = tag & 7;
        const read = fieldNo < 128 ? dense[fieldNo] : sparse.get(fieldNo);
        if (!read) {
          const data = r.skip(wireType, fieldNo, RECURSION_LIMIT - ctx.depth);
          (unknown ??= []).push({ no: fieldNo, wireType, data });
          continue;
        }
        read(m, r, wireType, ctx);
      }
      if (unknown !== undefined && unknown.length > 0) m.$unknown = unknown;
      ctx.depth--;
    },
  };
}

/** Compiles message readers on demand and keeps them, one per message type. */
export function createDecoderCache(): (desc: DescMessage) => MessageReader {
  return typeCache<MessageReader>(compileMessage, (dec) => ({ zero: () => dec().zero(), read: (m, r, ctx, len) => dec().read(m, r, ctx, len) }));
}

/** A binary decoder for a supported message type: the same message `fromBinary` returns, unknown fields included. */
export function compileBinaryDecoder(desc: DescMessage, messageReader: (d: DescMessage) => MessageReader): BinaryDecoder {
  const dec = messageReader(desc);
  return (bytes) => {
    const m = dec.zero();
    dec.read(m, new BinaryReader(bytes), { depth: 0, buf: bytes }, bytes.byteLength);
    return m as MessageShape<DescMessage>;
  };
}
