import { describe, expect, it } from "vitest";
import type { DescMessage } from "@bufbuild/protobuf";
import { ListValueSchema, StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { typeCache } from "../../../src/transport/codec/type-cache.js";

// A "compiled" type: its name and what its message fields compiled to.
interface Compiled {
  name: () => string;
  fields: Compiled[];
}

function compiler() {
  const compiled: string[] = [];
  const get = typeCache<Compiled>(
    (desc: DescMessage, self) => {
      compiled.push(desc.typeName);
      const fields: Compiled[] = [];
      for (const f of desc.fields) {
        if (f.fieldKind === "message" || (f.fieldKind === "map" && f.mapKind === "message") || (f.fieldKind === "list" && f.listKind === "message")) {
          fields.push(self(f.message));
        }
      }
      return { name: () => desc.typeName, fields };
    },
    (finished) => ({ name: () => finished().name(), get fields() { return finished().fields; } }),
  );
  return { get, compiled };
}

describe("typeCache", () => {
  it("compiles each type once and hands out the same result afterwards", () => {
    const { get, compiled } = compiler();
    const first = get(StructSchema);
    expect(get(StructSchema)).toBe(first);
    expect(get(ValueSchema)).toBe(get(ValueSchema));
    expect(compiled).toEqual(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"]);
  });

  it("a type met again while it compiles (Struct → Value → Struct) gets a stand-in that reaches the finished result", () => {
    const { get } = compiler();
    const struct = get(StructSchema);
    const value = struct.fields[0]!;
    expect(value.name()).toBe("google.protobuf.Value");
    const inner = value.fields.find((c) => c.name() === "google.protobuf.Struct")!;
    expect(inner).not.toBe(struct);
    expect(inner.name()).toBe("google.protobuf.Struct");
    expect(inner.fields).toBe(struct.fields);
    // ListValue compiled inside Value, so it too holds a stand-in for Value that reaches the finished one.
    expect(get(ListValueSchema).fields[0]!.fields).toBe(value.fields);
  });
});
