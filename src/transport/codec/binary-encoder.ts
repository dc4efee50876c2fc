import { create, ScalarType, toBinary, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { isStructField } from "./support.js";
import { typeCache } from "./type-cache.js";
import { asBuffer } from "../bytes.js";

/** A compiled binary encoder for one message type. */
export type BinaryEncoder = (msg: MessageShape<DescMessage>) => Buffer;

type Msg = Record<string, unknown>;

/** Per-call state: the size pass records nested lengths in pre-order, the write pass reads them back in the same order. */
interface State {
  lens: number[];
  li: number;
  buf: Buffer;
  pos: number;
  /** Bytes protobuf-es wrote for delegated fields, in pre-order (made on first use: most messages have none). */
  raws: Uint8Array[] | undefined;
  ri: number;
}

interface MessagePart {
  size(m: Msg, st: State): number;
  write(m: Msg, st: State): void;
}

/** Thrown by the size pass for a value the compiled path leaves to protobuf-es (which may accept it or throw its own error). */
const NOT_MINE = new Error("value left to protobuf-es");

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const FLOAT32_MAX = 3.4028234663852886e38;
const hasOwn = Object.prototype.hasOwnProperty;

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function writeVarint(st: State, v: number): void {
  const b = st.buf;
  let p = st.pos;
  while (v > 0x7f) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p++] = v;
  st.pos = p;
}

// The same byte sequence as protobuf-es's varint64write, into the buffer.
function writeVarint64(st: State, lo: number, hi: number): void {
  const b = st.buf;
  let p = st.pos;
  for (let i = 0; i < 28; i += 7) {
    const shift = lo >>> i;
    const hasNext = !(shift >>> 7 === 0 && hi === 0);
    b[p++] = (hasNext ? shift | 0x80 : shift) & 0xff;
    if (!hasNext) {
      st.pos = p;
      return;
    }
  }
  const splitBits = ((lo >>> 28) & 0x0f) | ((hi & 0x07) << 4);
  const hasMoreBits = !(hi >> 3 === 0);
  b[p++] = (hasMoreBits ? splitBits | 0x80 : splitBits) & 0xff;
  if (hasMoreBits) {
    let done = false;
    for (let i = 3; i < 31; i += 7) {
      const shift = hi >>> i;
      const hasNext = !(shift >>> 7 === 0);
      b[p++] = (hasNext ? shift | 0x80 : shift) & 0xff;
      if (!hasNext) {
        done = true;
        break;
      }
    }
    if (!done) b[p++] = (hi >>> 31) & 0x01;
  }
  st.pos = p;
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varintSize(lo >>> 0);
  // Bits above the low 32: 5 bytes carry 35 bits, each further byte 7 more.
  const h = hi >>> 0;
  return h < 0x8 ? 5 : h < 0x400 ? 6 : h < 0x20000 ? 7 : h < 0x1000000 ? 8 : h < 0x80000000 ? 9 : 10;
}

// UTF-8 length as TextEncoder counts it: a lone surrogate becomes U+FFFD (3 bytes).
function utf8Length(s: string): number {
  const n = s.length;
  if (n > 64) return Buffer.byteLength(s, "utf8");
  let len = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      len += 4;
      i++;
    } else len += 3;
  }
  return len;
}

function writeUtf8(st: State, s: string, byteLen: number): void {
  if (byteLen === s.length && byteLen <= 64) {
    const b = st.buf;
    let p = st.pos;
    for (let i = 0; i < byteLen; i++) b[p++] = s.charCodeAt(i);
    st.pos = p;
    return;
  }
  st.pos += st.buf.write(s, st.pos, byteLen, "utf8");
}

/** Encoding of one scalar type: validation + size, and the write. Validation accepts only what protobuf-es writes the same way. */
interface ScalarCodec {
  wireType: number;
  isZero(v: unknown): boolean;
  size(v: unknown, st: State): number;
  write(v: unknown, st: State): void;
}

function int64Parts(v: bigint, scratch: DataView): [number, number] {
  scratch.setBigInt64(0, v, true);
  return [scratch.getInt32(0, true), scratch.getInt32(4, true)];
}

function scalarCodec(type: ScalarType): ScalarCodec {
  const scratch = new DataView(new ArrayBuffer(8));
  const isInt32 = (v: unknown): v is number => typeof v === "number" && (v | 0) === v;
  const isUint32 = (v: unknown): v is number => typeof v === "number" && v >>> 0 === v;
  const zeroNumber = (v: unknown) => v === 0;
  switch (type) {
    case ScalarType.STRING:
      return {
        wireType: 2,
        isZero: (v) => v === "",
        size(v, st) {
          if (typeof v !== "string") throw NOT_MINE;
          const n = utf8Length(v);
          st.lens.push(n);
          return varintSize(n) + n;
        },
        write(v, st) {
          const n = st.lens[st.li++]!;
          writeVarint(st, n);
          writeUtf8(st, v as string, n);
        },
      };
    case ScalarType.BYTES:
      return {
        wireType: 2,
        isZero: (v) => v instanceof Uint8Array && v.byteLength === 0,
        size(v) {
          if (!(v instanceof Uint8Array)) throw NOT_MINE;
          return varintSize(v.byteLength) + v.byteLength;
        },
        write(v, st) {
          const u = v as Uint8Array;
          writeVarint(st, u.byteLength);
          st.buf.set(u, st.pos);
          st.pos += u.byteLength;
        },
      };
    case ScalarType.BOOL:
      return {
        wireType: 0,
        isZero: (v) => v === false,
        size(v) {
          if (typeof v !== "boolean") throw NOT_MINE;
          return 1;
        },
        write(v, st) {
          st.buf[st.pos++] = v ? 1 : 0;
        },
      };
    case ScalarType.INT32:
      return {
        wireType: 0,
        isZero: zeroNumber,
        size(v) {
          if (!isInt32(v)) throw NOT_MINE;
          return v >= 0 ? varintSize(v) : 10;
        },
        write(v, st) {
          const n = v as number;
          if (n >= 0) writeVarint(st, n);
          else writeVarint64(st, n, -1);
        },
      };
    case ScalarType.UINT32:
      return {
        wireType: 0,
        isZero: zeroNumber,
        size(v) {
          if (!isUint32(v)) throw NOT_MINE;
          return varintSize(v);
        },
        write(v, st) {
          writeVarint(st, v as number);
        },
      };
    case ScalarType.SINT32:
      return {
        wireType: 0,
        isZero: zeroNumber,
        size(v) {
          if (!isInt32(v)) throw NOT_MINE;
          return varintSize(((v << 1) ^ (v >> 31)) >>> 0);
        },
        write(v, st) {
          const n = v as number;
          writeVarint(st, ((n << 1) ^ (n >> 31)) >>> 0);
        },
      };
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT: {
      const check = type === ScalarType.FIXED32 ? isUint32 : type === ScalarType.SFIXED32 ? isInt32
        : (v: unknown): v is number => typeof v === "number" && !(Number.isFinite(v) && (v > FLOAT32_MAX || v < -FLOAT32_MAX));
      return {
        wireType: 5,
        isZero: type === ScalarType.FLOAT ? (v) => Object.is(v, 0) : zeroNumber,
        size(v) {
          if (!check(v)) throw NOT_MINE;
          return 4;
        },
        write(v, st) {
          const n = v as number;
          if (type === ScalarType.FLOAT) scratch.setFloat32(0, n, true);
          else if (type === ScalarType.FIXED32) scratch.setUint32(0, n, true);
          else scratch.setInt32(0, n, true);
          for (let i = 0; i < 4; i++) st.buf[st.pos++] = scratch.getUint8(i);
        },
      };
    }
    case ScalarType.DOUBLE:
      return {
        wireType: 1,
        isZero: (v) => Object.is(v, 0),
        size(v) {
          if (typeof v !== "number") throw NOT_MINE;
          return 8;
        },
        write(v, st) {
          scratch.setFloat64(0, v as number, true);
          for (let i = 0; i < 8; i++) st.buf[st.pos++] = scratch.getUint8(i);
        },
      };
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64: {
      const unsigned = type === ScalarType.UINT64 || type === ScalarType.FIXED64;
      const inRange = (v: unknown): v is bigint =>
        typeof v === "bigint" && (unsigned ? v >= 0n && v <= UINT64_MAX : v >= INT64_MIN && v <= INT64_MAX);
      const fixed = type === ScalarType.FIXED64 || type === ScalarType.SFIXED64;
      const zigzag = (v: bigint): [number, number] => {
        const [lo, hi] = int64Parts(v, scratch);
        const sign = hi >> 31;
        return [(lo << 1) ^ sign, ((hi << 1) | (lo >>> 31)) ^ sign];
      };
      const parts = (v: bigint): [number, number] =>
        type === ScalarType.SINT64 ? zigzag(v) : int64Parts(unsigned ? BigInt.asIntN(64, v) : v, scratch);
      return {
        wireType: fixed ? 1 : 0,
        // protobuf-es compares 64-bit zeros loosely (0n == 0).
        isZero: (v) => v === 0n,
        size(v) {
          if (!inRange(v)) throw NOT_MINE;
          if (fixed) return 8;
          // Non-negative values under 2^32 take the common, allocation-free path.
          if (type !== ScalarType.SINT64 && v >= 0n && v <= 0xffffffffn) return varintSize(Number(v));
          const [lo, hi] = parts(v);
          return varint64Size(lo, hi);
        },
        write(v, st) {
          const b = v as bigint;
          if (!fixed && type !== ScalarType.SINT64 && b >= 0n && b <= 0xffffffffn) {
            writeVarint(st, Number(b));
            return;
          }
          const [lo, hi] = parts(b);
          if (!fixed) return writeVarint64(st, lo, hi);
          scratch.setInt32(0, lo, true);
          scratch.setInt32(4, hi, true);
          for (let i = 0; i < 8; i++) st.buf[st.pos++] = scratch.getUint8(i);
        },
      };
    }
  }
}

function tagBytes(no: number, wireType: number): number[] {
  const out: number[] = [];
  let v = ((no << 3) | wireType) >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function writeTag(st: State, tag: readonly number[]): void {
  for (let i = 0; i < tag.length; i++) st.buf[st.pos++] = tag[i]!;
}

// A length-delimited nested message without its tag: the size pass records its length (pre-order) for the write pass.
function nestedSize(enc: MessagePart, v: unknown, st: State): number {
  if (typeof v !== "object" || v === null) throw NOT_MINE;
  const idx = st.lens.length;
  st.lens.push(0);
  const n = enc.size(v as Msg, st);
  st.lens[idx] = n;
  return varintSize(n) + n;
}

function writeNested(enc: MessagePart, v: unknown, st: State): void {
  writeVarint(st, st.lens[st.li++]!);
  enc.write(v as Msg, st);
}

/**
 * One field's encoding, given the field's value (the generated message code
 * reads the property, so every property access is monomorphic). `when`
 * says which presence test the generated code applies before calling.
 */
interface Part {
  when: "implicit" | "explicit" | "always";
  /** For implicit fields: whether the value is the zero value (not written). */
  isZero?: (v: unknown) => boolean;
  /** Validates and sizes the field, tag included; throws NOT_MINE for anything the write pass would not encode exactly as protobuf-es. */
  size(v: unknown, st: State): number;
  write(v: unknown, st: State): void;
}

// Struct fields hold a JsonObject; protobuf-es turns it into a Struct message. Encoding a
// message holding only that field with protobuf-es gives exactly the field's bytes.
function structPart(f: DescField): Part {
  const holder = create(f.parent) as Msg;
  return {
    when: "explicit",
    size(v, st) {
      holder[f.localName] = v;
      try {
        const bytes = toBinary(f.parent, holder as MessageShape<DescMessage>);
        (st.raws ??= []).push(bytes);
        return bytes.byteLength;
      } finally {
        delete holder[f.localName];
      }
    },
    write(_v, st) {
      const bytes = st.raws![st.ri++]!;
      st.buf.set(bytes, st.pos);
      st.pos += bytes.byteLength;
    },
  };
}

function fieldPart(f: DescField, messageEncoder: (d: DescMessage) => MessagePart): Part {
  if (isStructField(f)) return structPart(f);
  switch (f.fieldKind) {
    case "scalar":
    case "enum": {
      const c = scalarCodec(f.fieldKind === "enum" ? ScalarType.INT32 : f.scalar);
      const tag = tagBytes(f.number, c.wireType);
      return {
        when: f.presence === 2 ? "implicit" : "explicit",
        isZero: c.isZero,
        size: (v, st) => tag.length + c.size(v, st),
        write(v, st) {
          writeTag(st, tag);
          c.write(v, st);
        },
      };
    }
    case "message": {
      const tag = tagBytes(f.number, 2);
      const enc = messageEncoder(f.message);
      return {
        when: "explicit",
        size: (v, st) => tag.length + nestedSize(enc, v, st),
        write(v, st) {
          writeTag(st, tag);
          writeNested(enc, v, st);
        },
      };
    }
    case "list": {
      if (f.listKind === "message") {
        const tag = tagBytes(f.number, 2);
        const enc = messageEncoder(f.message);
        return {
          when: "always",
          size(list, st) {
            if (!Array.isArray(list)) throw NOT_MINE;
            let total = 0;
            for (const item of list) total += tag.length + nestedSize(enc, item, st);
            return total;
          },
          write(list, st) {
            for (const item of list as Msg[]) {
              writeTag(st, tag);
              writeNested(enc, item, st);
            }
          },
        };
      }
      const c = scalarCodec(f.listKind === "enum" ? ScalarType.INT32 : f.scalar);
      if (f.packed) {
        const tag = tagBytes(f.number, 2);
        return {
          when: "always",
          size(list, st) {
            if (!Array.isArray(list)) throw NOT_MINE;
            if (list.length === 0) return 0;
            const idx = st.lens.length;
            st.lens.push(0);
            let n = 0;
            for (const item of list) n += c.size(item, st);
            st.lens[idx] = n;
            return tag.length + varintSize(n) + n;
          },
          write(v, st) {
            const list = v as unknown[];
            if (list.length === 0) return;
            writeTag(st, tag);
            writeVarint(st, st.lens[st.li++]!);
            for (const item of list) c.write(item, st);
          },
        };
      }
      const tag = tagBytes(f.number, c.wireType);
      return {
        when: "always",
        size(list, st) {
          if (!Array.isArray(list)) throw NOT_MINE;
          let n = 0;
          for (const item of list) n += tag.length + c.size(item, st);
          return n;
        },
        write(list, st) {
          for (const item of list as unknown[]) {
            writeTag(st, tag);
            c.write(item, st);
          }
        },
      };
    }
    case "map": {
      const tag = tagBytes(f.number, 2);
      const keyCodec = scalarCodec(ScalarType.STRING);
      const keyTag = tagBytes(1, 2);
      const valueCodec = f.mapKind === "message" ? undefined : scalarCodec(f.mapKind === "enum" ? ScalarType.INT32 : f.scalar);
      const valueTag = tagBytes(2, valueCodec ? valueCodec.wireType : 2);
      const enc = f.mapKind === "message" ? messageEncoder(f.message) : undefined;
      return {
        when: "always",
        size(obj, st) {
          if (typeof obj !== "object" || obj === null) throw NOT_MINE;
          let total = 0;
          for (const key of Object.keys(obj)) {
            const v = (obj as Msg)[key];
            const idx = st.lens.length;
            st.lens.push(0);
            let n = keyTag.length + keyCodec.size(key, st);
            n += valueTag.length + (valueCodec ? valueCodec.size(v, st) : nestedSize(enc!, v, st));
            st.lens[idx] = n;
            total += tag.length + varintSize(n) + n;
          }
          return total;
        },
        write(v, st) {
          const obj = v as Msg;
          for (const key of Object.keys(obj)) {
            writeTag(st, tag);
            writeVarint(st, st.lens[st.li++]!);
            writeTag(st, keyTag);
            keyCodec.write(key, st);
            writeTag(st, valueTag);
            if (valueCodec) valueCodec.write(obj[key], st);
            else writeNested(enc!, obj[key], st);
          }
        },
      };
    }
  }
}

// Unknown fields as protobuf-es keeps them: tag, then the raw bytes after the tag.
const unknownPart: Part = {
  when: "always",
  size(unknown, st) {
    if (unknown === undefined) return 0;
    if (!Array.isArray(unknown)) throw NOT_MINE;
    let n = 0;
    for (const u of unknown as { no: unknown; wireType: unknown; data: unknown }[]) {
      if (typeof u !== "object" || u === null) throw NOT_MINE;
      const { no, wireType, data } = u;
      if (typeof no !== "number" || typeof wireType !== "number" || !(data instanceof Uint8Array)) throw NOT_MINE;
      if (!Number.isInteger(no) || !Number.isInteger(wireType)) throw NOT_MINE;
      const tag = ((no << 3) | wireType) >>> 0;
      st.lens.push(tag);
      n += varintSize(tag) + data.byteLength;
    }
    return n;
  },
  write(unknown, st) {
    if (unknown === undefined) return;
    for (const u of unknown as { data: Uint8Array }[]) {
      writeVarint(st, st.lens[st.li++]!);
      st.buf.set(u.data, st.pos);
      st.pos += u.data.byteLength;
    }
  },
};

// The presence test protobuf-es applies (unsafeIsSet), on the value just read.
function presence(part: Part, i: number, key: string): string {
  switch (part.when) {
    case "implicit":
      return `!P[${i}].isZero(v)`;
    case "explicit":
      return `v !== undefined && hasOwn.call(m, ${key})`;
    case "always":
      return "true";
  }
}

/**
 * Generates the message's size and write functions: one straight run of
 * field reads in field-number order (each property read is its own,
 * monomorphic, access), each handing the value to its field's part.
 */
function compileMessage(desc: DescMessage, messageEncoder: (d: DescMessage) => MessagePart): MessagePart {
  const fields = [...desc.fields].sort((a, b) => a.number - b.number);
  const parts = fields.map((f) => fieldPart(f, messageEncoder));
  const keys = fields.map((f) => JSON.stringify(f.localName));
  parts.push(unknownPart);
  keys.push(JSON.stringify("$unknown"));
  // protobuf-es refuses a message of another type (when it has fields to look at).
  const typeCheck = desc.fields.length > 0 ? `if (m.$typeName !== ${JSON.stringify(desc.typeName)}) throw NOT_MINE;` : "";
  const sizeBody = parts.map((p, i) => `v = m[${keys[i]}]; if (${presence(p, i, keys[i]!)}) n += P[${i}].size(v, st);`).join("\n");
  const writeBody = parts.map((p, i) => `v = m[${keys[i]}]; if (${presence(p, i, keys[i]!)}) P[${i}].write(v, st);`).join("\n");
  // Generated from descriptors only (names are JSON-quoted), never from message data.
  const make = new Function("P", "NOT_MINE", "hasOwn", `return {
    size(m, st) { ${typeCheck} let n = 0, v;\n${sizeBody}\nreturn n; },
    write(m, st) { let v;\n${writeBody} }
  };`) as (p: Part[], notMine: Error, own: typeof hasOwn) => MessagePart;
  return make(parts, NOT_MINE, hasOwn);
}

/** Compiles message encoders on demand and keeps them, one per message type. */
export function createEncoderCache(): (desc: DescMessage) => MessagePart {
  return typeCache<MessagePart>(compileMessage, (part) => ({ size: (m, st) => part().size(m, st), write: (m, st) => part().write(m, st) }));
}

/**
 * A binary encoder for a supported message type: sizes the message, writes
 * one buffer, byte for byte what `toBinary` writes. A value the compiled path
 * does not take (a number where a bigint belongs, a foreign message…) goes to
 * `toBinary` itself, which then writes it or throws its own error.
 */
export function compileBinaryEncoder(desc: DescMessage, messageEncoder: (d: DescMessage) => MessagePart): BinaryEncoder {
  const enc = messageEncoder(desc);
  return (msg) => {
    const st: State = { lens: [], li: 0, buf: EMPTY, pos: 0, raws: undefined, ri: 0 };
    let n: number;
    try {
      n = enc.size(msg as unknown as Msg, st);
    } catch {
      return asBuffer(toBinary(desc, msg));
    }
    st.buf = Buffer.allocUnsafe(n);
    enc.write(msg as unknown as Msg, st);
    if (st.pos !== n) throw new Error(`compiled encoder for ${desc.typeName} wrote ${st.pos} of ${n} bytes`);
    return st.buf;
  };
}

const EMPTY = Buffer.alloc(0);
