import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { WatchParticipantRequestSchema } from "../../gen/roomgate/v1/participant_service_pb.js";

/** An HTTP/2 connection that announces a zero flow-control window: the server may send it headers, never data. */
export function zeroWindowSession(address: string): http2.ClientHttp2Session {
  const session = http2.connect(`http://${address}`, { settings: { initialWindowSize: 0 } });
  session.on("error", () => undefined);
  return session;
}

/** A gRPC message on the wire: uncompressed flag, 4-byte big-endian length, the bytes. */
export function grpcFrame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

/**
 * Opens WatchParticipant on `session` with hand-made gRPC frames and never reads it.
 * `answered` resolves with the response headers: gRPC sends them with the first message,
 * so from then on the server holds that message; a `grpc-status` in them means refused.
 * It resolves undefined if the stream closes without headers.
 */
export function rawWatch(session: http2.ClientHttp2Session, room: string, identity: string, credential: string): { answered: Promise<http2.IncomingHttpHeaders | undefined> } {
  const req = session.request({
    ":method": "POST", ":path": "/roomgate.v1.ParticipantService/WatchParticipant", "content-type": "application/grpc", te: "trailers",
    authorization: `Bearer ${credential}`,
  });
  req.on("error", () => undefined);
  req.end(grpcFrame(toBinary(WatchParticipantRequestSchema, create(WatchParticipantRequestSchema, { room, identity }))));
  const answered = new Promise<http2.IncomingHttpHeaders | undefined>((resolve) => {
    req.once("response", resolve);
    req.once("close", () => resolve(undefined));
  });
  return { answered };
}
