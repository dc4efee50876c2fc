import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";

/** protobuf-es's edition number for proto3 files: their messages need no prototype chain for presence. */
const EDITION_PROTO3 = 999;
/** protobuf-es's presence value for proto2 `required`. */
const LEGACY_REQUIRED = 3;
/** The well-known types protobuf-es represents in a field by something other than the message itself. */
const STRUCT = "google.protobuf.Struct";

/** A singular Struct field: it holds a JsonObject, not a message (protobuf-es's local representation), and the codecs treat it apart. */
export function isStructField(f: DescField): f is DescField & { fieldKind: "message" } {
  return f.fieldKind === "message" && f.message.typeName === STRUCT && f.parent.typeName !== "google.protobuf.Value";
}

function fieldReason(f: DescField, check: (m: DescMessage) => string | undefined): string | undefined {
  if (f.oneof) return `${f} is in a oneof`;
  if (f.presence === LEGACY_REQUIRED) return `${f} is required`;
  switch (f.fieldKind) {
    case "scalar":
      return f.longAsString ? `${f} holds 64-bit integers as strings` : undefined;
    case "enum":
      return f.enum.open ? undefined : `${f} has a closed enum`;
    case "message":
      if (f.delimitedEncoding) return `${f} is group-encoded`;
      if (isStructField(f)) return undefined;
      // Timestamp and Duration are plain messages in a field; the other well-known types are not (wrappers unwrap, Any needs a registry…).
      if (f.message.typeName.startsWith("google.protobuf.") && !["google.protobuf.Timestamp", "google.protobuf.Duration"].includes(f.message.typeName)) {
        return `${f} holds ${f.message.typeName}`;
      }
      return check(f.message);
    case "list":
      if (f.listKind === "enum" && !f.enum.open) return `${f} has a closed enum`;
      if (f.listKind === "scalar" && f.longAsString) return `${f} holds 64-bit integers as strings`;
      if (f.listKind !== "message") return undefined;
      if (f.delimitedEncoding) return `${f} is group-encoded`;
      if (f.message.typeName.startsWith("google.protobuf.")) return `${f} holds ${f.message.typeName}`;
      return check(f.message);
    case "map":
      if (f.mapKey !== ScalarType.STRING) return `${f} has non-string keys`;
      if (f.mapKind === "enum" && !f.enum.open) return `${f} has a closed enum`;
      if (f.mapKind === "scalar" && f.scalar === ScalarType.BYTES) return `${f} has bytes values`;
      if (f.mapKind !== "message") return undefined;
      if (f.message.typeName.startsWith("google.protobuf.")) return `${f} holds ${f.message.typeName}`;
      return check(f.message);
  }
}

/**
 * Why the compiled codecs cannot take a message type (or undefined when they
 * can): anything whose local representation or wire rules differ from plain
 * proto3 fields stays with protobuf-es, decided once, before the first call.
 */
export function unsupportedReason(desc: DescMessage, seen: Set<DescMessage> = new Set()): string | undefined {
  if (seen.has(desc)) return undefined;
  seen.add(desc);
  if (desc.file.edition !== EDITION_PROTO3) return `${desc.typeName} is not proto3`;
  if (desc.typeName === STRUCT || desc.typeName === "google.protobuf.Value" || desc.typeName === "google.protobuf.ListValue") {
    return `${desc.typeName} has a oneof`;
  }
  for (const f of desc.fields) {
    const reason = fieldReason(f, (m) => unsupportedReason(m, seen));
    if (reason) return reason;
  }
  return undefined;
}
