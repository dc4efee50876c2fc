import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  type FieldDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema>;

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const field = (name: string, number: number, type: Type, more: Partial<FieldInit> = {}): FieldInit =>
  ({ name, number, type, label: Label.OPTIONAL, jsonName: camel(name), ...more }) as FieldInit;

const SCALARS: [string, Type][] = [
  ["double", Type.DOUBLE], ["float", Type.FLOAT], ["int64", Type.INT64], ["uint64", Type.UINT64], ["int32", Type.INT32],
  ["fixed64", Type.FIXED64], ["fixed32", Type.FIXED32], ["bool", Type.BOOL], ["string", Type.STRING], ["bytes", Type.BYTES],
  ["uint32", Type.UINT32], ["sfixed32", Type.SFIXED32], ["sfixed64", Type.SFIXED64], ["sint32", Type.SINT32], ["sint64", Type.SINT64],
];

function scalarFields(): FieldInit[] {
  const out: FieldInit[] = [];
  SCALARS.forEach(([name, type], i) => {
    out.push(field(`s_${name}`, i + 1, type));
    out.push(field(`o_${name}`, i + 101, type, { proto3Optional: true, oneofIndex: i }));
    out.push(field(`r_${name}`, i + 201, type, { label: Label.REPEATED }));
    out.push(field(`u_${name}`, i + 301, type, { label: Label.REPEATED, options: { packed: false } }));
  });
  return out;
}

/**
 * Test-only schemas built from descriptors: `t.v1.AllScalars` (every scalar type:
 * implicit, proto3 optional, packed and unpacked repeated, a map) and
 * `t.v2.Closed` (proto2 with a closed enum), which the compiled codec must leave to protobuf-es.
 */
export function testSchemas(): { allScalars: DescMessage; closed: DescMessage; withOneof: DescMessage } {
  const proto3 = create(FileDescriptorProtoSchema, {
    name: "t/v1/all.proto",
    package: "t.v1",
    syntax: "proto3",
    messageType: [
      {
        name: "AllScalars",
        field: [
          ...scalarFields(),
          field("m_sint64", 400, Type.MESSAGE, { label: Label.REPEATED, typeName: ".t.v1.AllScalars.MSint64Entry" }),
          field("child", 401, Type.MESSAGE, { typeName: ".t.v1.AllScalars" }),
        ],
        nestedType: [{
          name: "MSint64Entry",
          field: [field("key", 1, Type.STRING), field("value", 2, Type.SINT64)],
          options: { mapEntry: true },
        }],
        oneofDecl: SCALARS.map(([name]) => ({ name: `_o_${name}` })),
      },
      {
        name: "WithOneof",
        field: [field("a", 1, Type.STRING, { oneofIndex: 0 }), field("b", 2, Type.INT32, { oneofIndex: 0 })],
        oneofDecl: [{ name: "choice" }],
      },
    ],
  });
  const proto2 = create(FileDescriptorProtoSchema, {
    name: "t/v2/closed.proto",
    package: "t.v2",
    syntax: "proto2",
    messageType: [{ name: "Closed", field: [field("e", 1, Type.ENUM, { typeName: ".t.v2.Color" })] }],
    enumType: [{ name: "Color", value: [{ name: "RED", number: 0 }, { name: "GREEN", number: 1 }] }],
  });
  const reg3 = createFileRegistry(proto3, () => undefined);
  const reg2 = createFileRegistry(proto2, () => undefined);
  return { allScalars: reg3.getMessage("t.v1.AllScalars")!, withOneof: reg3.getMessage("t.v1.WithOneof")!, closed: reg2.getMessage("t.v2.Closed")! };
}
