import { toBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ReflectionService } from "@grpc/reflection";

/** The descriptor bundle ReflectionService is built from. */
export type ReflectionPackage = ConstructorParameters<typeof ReflectionService>[0];

/**
 * Builds the package definition @grpc/reflection reads, straight from the
 * generated descriptors: proto-loader's re-encoding uses relative type names
 * that buf curl and grpcurl reject (grpc-node #3018).
 */
export function reflectionPackageDefinition(...files: DescFile[]): ReflectionPackage {
  const out = new Map<string, Buffer>();
  const visit = (f: DescFile): void => {
    if (out.has(f.proto.name)) return;
    f.dependencies.forEach(visit);
    out.set(f.proto.name, Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)));
  };
  files.forEach(visit);
  return { "protobuf-es": { fileDescriptorProtos: [...out.values()] } } as unknown as ReflectionPackage;
}
