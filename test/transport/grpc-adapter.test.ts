import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { RoomgateError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/log.js";
import { createCallTracker } from "../../src/transport/call-tracker.js";
import type { RoomgateClient } from "../../src/client/client.js";
import { addGrpcService, type ImplOf } from "../../src/transport/grpc-adapter.js";
import { REASON_METADATA_KEY } from "../../src/transport/status.js";
import { CreateTokenResponseSchema, TokenService, VerifyTokenRequestSchema, VerifyTokenResponseSchema } from "../../gen/roomgate/v1/token_service_pb.js";
import { insecureClientFor } from "../support/grpc-client.js";
import { clientOver, grpcOutcome } from "../support/participant-calls.js";

// createToken answers synchronously (or throws synchronously); verifyToken answers through a promise.
const impl: ImplOf<typeof TokenService> = {
  createToken(req, ctx) {
    if (ctx.credential !== "ok") throw new RoomgateError("caller_unauthenticated");
    return create(CreateTokenResponseSchema, { token: `sync:${req.apiKey}`, apiKey: req.apiKey });
  },
  async verifyToken(req) {
    if (req.token === "bad") throw new RoomgateError("token_malformed");
    return create(VerifyTokenResponseSchema, { apiKey: `async:${req.token}`, claims: { identity: "i", roomConfig: req.room ? { room: req.room } : undefined } });
  },
};

let server: grpc.Server;
// `client` is the channel for raw calls; `typed` is roomgate/client over it.
let client: grpc.Client;
let typed: RoomgateClient;
const calls = createCallTracker();

beforeAll(async () => {
  server = new grpc.Server();
  addGrpcService(server, TokenService, impl, { log: silentLogger, shutdown: new AbortController().signal, calls });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  client = insecureClientFor(TokenService, `127.0.0.1:${port}`);
  typed = clientOver(client);
});

afterAll(() => {
  client.close();
  server.forceShutdown();
});

function rawCall(path: string, body: Uint8Array): Promise<{ code: number; reason: string | undefined }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(body), new grpc.Metadata(), {}, (err) => {
      resolve({ code: err?.code ?? 0, reason: err?.metadata.get(REASON_METADATA_KEY)[0] as string | undefined });
    });
  });
}

describe("gRPC adapter", () => {
  it("answers a synchronous handler's response", async () => {
    const res = await typed.tokens.createToken({ apiKey: "k" }, { credential: "ok" });
    expect(res.token).toBe("sync:k");
    expect(res.apiKey).toBe("k");
  });

  it("maps a synchronous throw to its status and reason", async () => {
    expect(await grpcOutcome(typed.tokens.createToken({}, { credential: "no" }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "caller_unauthenticated" });
    const raw = await rawCall("/roomgate.v1.TokenService/CreateToken", new Uint8Array());
    expect(raw).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "caller_unauthenticated" });
  });

  it("answers an asynchronous handler, and maps its rejection", async () => {
    const res = await typed.tokens.verifyToken({ token: "t", room: "r" });
    expect(res.apiKey).toBe("async:t");
    expect(res.claims?.roomConfig).toEqual({ room: "r" });
    const raw = await rawCall("/roomgate.v1.TokenService/VerifyToken", toBinary(VerifyTokenRequestSchema, create(VerifyTokenRequestSchema, { token: "bad" })));
    expect(raw).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_malformed" });
  });

  it("refuses undecodable requests with INVALID_ARGUMENT, never INTERNAL", async () => {
    const bodies = [
      new Uint8Array([0x0a, 0x05, 0x61]), // a string longer than the message
      new Uint8Array([0x0a, 0x02, 0xc3, 0x28]), // invalid UTF-8 in token
      new Uint8Array([0x0f]), // wire type 7
      new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // a 4 GiB length
      new Uint8Array(Array.from({ length: 101 }, () => [0xcb, 0x38]).flat()), // unknown groups nested past the recursion limit
    ];
    for (const body of bodies) {
      expect(await rawCall("/roomgate.v1.TokenService/VerifyToken", body)).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: "invalid_argument" });
    }
  });

  it("counts every call as finished, synchronous or not", async () => {
    await expect(calls.idle()).resolves.toBeUndefined();
  });
});
