import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape } from "@bufbuild/protobuf";
import { asBuffer } from "../../src/transport/bytes.js";

// Generic grpc-js calls for what roomgate/client does not cover: grpc.health.v1.Health, livekit.RoomService
// over gRPC, raw calls with odd metadata or options, and the channels TestServer hands to participantCalls.
// roomgate's own TokenService and ParticipantService calls go through roomgate/client.

/** A method of a generated service, as these helpers need it. */
type MethodRef<I extends DescMessage, O extends DescMessage> = { input: I; output: O; parent: DescService; name: string };

/** A generic grpc-js client constructor for a protobuf-es service. */
export function grpcClientFor(service: DescService): grpc.ServiceClientConstructor {
  const def: Record<string, grpc.MethodDefinition<MessageShape<DescMessage>, MessageShape<DescMessage>>> = {};
  for (const m of service.methods) {
    def[m.localName] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: false,
      responseStream: m.methodKind === "server_streaming",
      requestSerialize: (msg: MessageShape<DescMessage>) => asBuffer(toBinary(m.input, msg)),
      requestDeserialize: (b: Buffer) => fromBinary(m.input, b),
      responseSerialize: (msg: MessageShape<DescMessage>) => asBuffer(toBinary(m.output, msg)),
      responseDeserialize: (b: Buffer) => fromBinary(m.output, b),
    };
  }
  return grpc.makeGenericClientConstructor(def as grpc.ServiceDefinition, service.typeName);
}

/** A plaintext client of `service` at `target` (`HOST:PORT`, or any grpc-js target with `options`). */
export function insecureClientFor(service: DescService, target: string, options?: grpc.ChannelOptions): grpc.Client {
  return new (grpcClientFor(service))(target, grpc.credentials.createInsecure(), options);
}

/** Metadata with a bearer credential (none for undefined or ""). */
export function bearerMetadata(credential: string | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  if (credential) md.set("authorization", `Bearer ${credential}`);
  return md;
}

/** Calls a unary method and resolves with its response; rejects with grpc-js's ServiceError. */
export function callUnary<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client, method: MethodRef<I, O>,
  req: MessageShape<I>, metadata: grpc.Metadata = new grpc.Metadata(), options: grpc.CallOptions = {},
): Promise<MessageShape<O>> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest<MessageShape<I>, MessageShape<O>>(
      `/${method.parent.typeName}/${method.name}`,
      (msg) => asBuffer(toBinary(method.input, msg)),
      (b) => fromBinary(method.output, b),
      req, metadata, options,
      (err, res) => (err ? reject(err) : resolve(res!)),
    );
  });
}

/** Opens a server-streaming call and returns grpc-js's readable stream of responses. */
export function callServerStream<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client, method: MethodRef<I, O>,
  req: MessageShape<I>, metadata: grpc.Metadata = new grpc.Metadata(), options: grpc.CallOptions = {},
): grpc.ClientReadableStream<MessageShape<O>> {
  return client.makeServerStreamRequest<MessageShape<I>, MessageShape<O>>(
    `/${method.parent.typeName}/${method.name}`,
    (msg) => asBuffer(toBinary(method.input, msg)),
    (b) => fromBinary(method.output, b),
    req, metadata, options,
  );
}
