import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { ListParticipantsRequestSchema, RoomService } from "../../gen/livekit/room_service_pb.js";
import { bearerMetadata, callUnary, insecureClientFor } from "../support/grpc-client.js";
import { grpcOutcome } from "../support/participant-calls.js";
import { hs256 } from "../support/raw-tokens.js";

const run = promisify(execFile);
let srv: TestServer;
let client: grpc.Client;
beforeAll(async () => {
  srv = await startTestServer();
  client = insecureClientFor(RoomService, srv.grpcAddress);
});
afterAll(async () => {
  client?.close();
  await srv?.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const token = (video: Record<string, unknown>, sub?: string) =>
  hs256({ iss: srv.apiKey, ...(sub && { sub }), iat: now(), nbf: now(), exp: now() + 600, video }, srv.apiSecret);

describe("livekit.RoomService over gRPC", () => {
  it("is listed by reflection next to roomgate's services", async () => {
    const list = await run("npx", ["buf", "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-methods", `http://${srv.grpcAddress}`]);
    expect(list.stdout.split("\n")).toEqual(expect.arrayContaining([
      "livekit.RoomService/ListParticipants", "livekit.RoomService/GetParticipant",
      "livekit.RoomService/RemoveParticipant", "livekit.RoomService/UpdateParticipant",
      "roomgate.v1.TokenService/CreateToken", "roomgate.v1.ParticipantService/WatchParticipant",
    ]));
  }, 30_000);

  it("answers ListParticipants for a room admin, and refuses a token without roomAdmin", async () => {
    const join = await run("npx", ["buf", "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", JSON.stringify({ token: token({ roomJoin: true, room: "g1" }, "ann") }),
      `http://${srv.grpcAddress}/roomgate.v1.ParticipantService/JoinRoom`]);
    expect(JSON.parse(join.stdout).participant.identity).toBe("ann");
    const res = await callUnary(client, RoomService.method.listParticipants, create(ListParticipantsRequestSchema, { room: "g1" }), bearerMetadata(token({ roomAdmin: true, room: "g1" })));
    expect(res.participants.map((p) => p.identity)).toEqual(["ann"]);
    const denied = await grpcOutcome(callUnary(client, RoomService.method.listParticipants, create(ListParticipantsRequestSchema, { room: "g1" }), bearerMetadata(token({ roomJoin: true, room: "g1" }, "ann"))));
    expect(denied).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });
  }, 30_000);
});
