/** A Node Buffer over the same memory as `u8` (protobuf-es writes Uint8Arrays; grpc-js and sockets take Buffers). */
export function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
