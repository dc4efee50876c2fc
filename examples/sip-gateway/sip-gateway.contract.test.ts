// A fictional SIP gateway's contract test against roomgate, written only against roomgate's public exports.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, createRoomgateClient, Grant, ParticipantKind, RoomgateError, type RoomgateClient } from "roomgate/client";
import { startTestServer, type TestServer } from "roomgate/testing";

// The gateway code under test: an inbound call is admitted only with a token that may place SIP calls.
type Admission = { admitted: true; trunk: string } | { admitted: false; reason: string };

async function admitCall(roomgate: RoomgateClient, token: string): Promise<Admission> {
  try {
    const verified = await roomgate.check(token, { require: [Grant.SIP_CALL] });
    return { admitted: true, trunk: verified.claims?.identity ?? "" };
  } catch (err) {
    // A refusal is an answer; roomgate being down is not, and must not turn into "refused".
    if (err instanceof RoomgateError && err.code !== Code.UNAVAILABLE) return { admitted: false, reason: err.reason };
    throw err;
  }
}

let server: TestServer;
let roomgate: RoomgateClient;

beforeAll(async () => {
  server = await startTestServer();
  roomgate = createRoomgateClient({ address: server.grpcAddress, credential: server.credential });
});

afterAll(async () => {
  roomgate.close();
  await server.stop();
});

describe("SIP gateway admission", () => {
  it("admits a trunk whose token carries sip.call", async () => {
    const { token } = await roomgate.tokens.createToken({
      claims: { identity: "trunk-berlin", kind: ParticipantKind.SIP, sip: { call: true } },
      ttl: { seconds: 600n },
    });
    expect(await admitCall(roomgate, token)).toEqual({ admitted: true, trunk: "trunk-berlin" });
  });

  it("refuses a room participant's token: grant_missing", async () => {
    const { token } = await roomgate.tokens.createToken({ claims: { identity: "alice", video: { roomJoin: true, room: "lobby" } } });
    expect(await admitCall(roomgate, token)).toEqual({ admitted: false, reason: "grant_missing" });
  });

  it("refuses garbage: token_malformed", async () => {
    expect(await admitCall(roomgate, "not-a-token")).toEqual({ admitted: false, reason: "token_malformed" });
  });

  it("provisioning needs sip.admin, which a calling trunk lacks", async () => {
    const { token } = await roomgate.tokens.createToken({ claims: { identity: "trunk-berlin", sip: { call: true } } });
    const err = await roomgate.check(token, { require: [Grant.SIP_ADMIN] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RoomgateError);
    expect([(err as RoomgateError).code, (err as RoomgateError).reason]).toEqual([Code.PERMISSION_DENIED, "grant_missing"]);
  });
});
