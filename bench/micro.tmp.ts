import { create, toBinary, fromBinary, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { VerifyTokenResponseSchema, CreateTokenResponseSchema, VerifyTokenRequestSchema, Grant } from "../gen/roomgate/v1/token_service_pb.js";
import { createCodecCompiler } from "../src/transport/codec/codec.js";
const c = createCodecCompiler();
const claims = { identity: "alice", name: "Alice", video: { roomJoin: true, room: "bench-room", canPublish: true, canSubscribe: true } };
const vr = create(VerifyTokenResponseSchema, { apiKey: "APIbench", claims, issuedAt: timestampFromMs(Date.now()), notBefore: timestampFromMs(Date.now()), expiresAt: timestampFromMs(Date.now() + 3600e3), effectiveVideo: claims.video });
const cr = create(CreateTokenResponseSchema, { token: "x".repeat(380), apiKey: "APIbench", claims, issuedAt: timestampFromMs(Date.now()), notBefore: timestampFromMs(Date.now()), expiresAt: timestampFromMs(Date.now() + 3600e3) });
const req = Buffer.from(toBinary(VerifyTokenRequestSchema, create(VerifyTokenRequestSchema, { token: "y".repeat(380), require: [Grant.ROOM_JOIN], room: "bench-room" })));
function bench(name: string, fn: () => unknown) {
  for (let i = 0; i < 20000; i++) fn();
  const n = 200000; const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  console.log(name.padEnd(40), (Number(process.hrtime.bigint() - t0) / n / 1000).toFixed(2), "µs");
}
const ve = c.codec(VerifyTokenResponseSchema), ce = c.codec(CreateTokenResponseSchema), rq = c.codec(VerifyTokenRequestSchema);
const style = { useProtoFieldName: false, alwaysEmitImplicit: false };
bench("toBinary VerifyTokenResponse", () => toBinary(VerifyTokenResponseSchema, vr));
bench("ours VerifyTokenResponse", () => ve.encode(vr));
bench("toBinary CreateTokenResponse", () => toBinary(CreateTokenResponseSchema, cr));
bench("ours CreateTokenResponse", () => ce.encode(cr));
bench("fromBinary VerifyTokenRequest", () => fromBinary(VerifyTokenRequestSchema, req));
bench("ours decode VerifyTokenRequest", () => rq.decode(req));
bench("toJsonString CreateTokenResponse", () => toJsonString(CreateTokenResponseSchema, cr, style));
bench("ours json CreateTokenResponse", () => ce.toJson(cr, style));
bench("toJsonString VerifyTokenResponse", () => toJsonString(VerifyTokenResponseSchema, vr, style));
bench("ours json VerifyTokenResponse", () => ve.toJson(vr, style));
