import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Code, createRoomgateClient, EventCause, Grant, ParticipantKind, RoomgateError, type RoomgateClient, type WatchParticipantResponse,
} from "../../src/client/index.js";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { hs256 } from "../support/raw-tokens.js";

let srv: TestServer;
let grpcClient: RoomgateClient;
let twirpClient: RoomgateClient;

beforeAll(async () => {
  srv = await startTestServer();
  grpcClient = createRoomgateClient({ address: srv.grpcAddress, credential: srv.credential });
  twirpClient = createRoomgateClient({ address: srv.httpUrl, credential: srv.credential });
});
afterAll(async () => {
  grpcClient?.close();
  twirpClient?.close();
  await srv?.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const adminToken = (room: string) => hs256({ iss: srv.apiKey, iat: now(), nbf: now(), exp: now() + 600, video: { roomAdmin: true, room } }, srv.apiSecret);
const joinToken = (room: string, identity: string, video: Record<string, unknown> = {}) =>
  hs256({ iss: srv.apiKey, sub: identity, iat: now(), nbf: now(), exp: now() + 3600, video: { roomJoin: true, room, ...video } }, srv.apiSecret);

async function failure(p: Promise<unknown>): Promise<RoomgateError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof RoomgateError)) throw new Error(`expected a RoomgateError, got ${String(err)}`);
  return err;
}

describe.each([
  ["gRPC", () => grpcClient],
  ["Twirp", () => twirpClient],
])("roomgate/client over %s", (_name, client) => {
  it("mints with the client credential and verifies the token with its claims", async () => {
    const minted = await client().tokens.createToken({ claims: { identity: "alice", video: { roomJoin: true, room: "r1" } }, ttl: { seconds: 600n } });
    expect(minted.apiKey).toBe("devkey");
    expect(Number(minted.expiresAt!.seconds - minted.issuedAt!.seconds)).toBe(600);
    const verified = await client().tokens.verifyToken({ token: minted.token, room: "r1", require: [Grant.ROOM_JOIN] });
    expect(verified.claims?.identity).toBe("alice");
    expect(verified.claims?.video?.room).toBe("r1");
  });

  it("throws RoomgateError with the numeric code, the reason and the field", async () => {
    const missing = await failure(client().tokens.verifyToken({ token: joinToken("r1", "a"), room: "r1", require: [Grant.SIP_CALL] }));
    expect([missing.code, missing.reason]).toEqual([Code.PERMISSION_DENIED, "grant_missing"]);
    const malformed = await failure(client().tokens.verifyToken({ token: "x" }));
    expect([malformed.code, malformed.reason]).toEqual([Code.UNAUTHENTICATED, "token_malformed"]);
    const bad = await failure(client().tokens.createToken({ claims: { video: { roomJoin: true, room: "r1" } } }));
    expect([bad.code, bad.reason, bad.field]).toEqual([Code.INVALID_ARGUMENT, "invalid_argument", "claims.identity"]);
    const noCredential = await failure(client().tokens.createToken({ claims: { identity: "a" } }, { credential: "wrong" }));
    expect([noCredential.code, noCredential.reason]).toEqual([Code.UNAUTHENTICATED, "caller_unauthenticated"]);
  });

  it("check() returns the verified token for a SIP trunk and throws without sip.call", async () => {
    const trunk = (await client().tokens.createToken({ claims: { identity: "trunk-1", kind: ParticipantKind.SIP, sip: { call: true } } })).token;
    const ok = await client().check(trunk, { require: [Grant.SIP_CALL] });
    expect([ok.claims?.identity, ok.claims?.sip?.call, ok.claims?.kind]).toEqual(["trunk-1", true, ParticipantKind.SIP]);
    const denied = await failure(client().check(trunk, { require: [Grant.SIP_ADMIN] }));
    expect([denied.code, denied.reason]).toEqual([Code.PERMISSION_DENIED, "grant_missing"]);
  });

  it("serves admin calls for several rooms from one client with per-call tokens", async () => {
    const room = `multi-${_name}`;
    await client().participants.joinRoom({ token: joinToken(`${room}-a`, "ann") });
    await client().participants.joinRoom({ token: joinToken(`${room}-b`, "bob") });
    const a = await client().participants.listParticipants({ room: `${room}-a` }, { token: adminToken(`${room}-a`) });
    const b = await client().participants.getParticipant({ room: `${room}-b`, identity: "bob" }, { token: adminToken(`${room}-b`) });
    expect(a.participants.map((p) => p.identity)).toEqual(["ann"]);
    expect(b.participant?.identity).toBe("bob");
    const wrongRoom = await failure(client().participants.listParticipants({ room: `${room}-a` }, { token: adminToken(`${room}-b`) }));
    expect([wrongRoom.code, wrongRoom.reason]).toEqual([Code.PERMISSION_DENIED, "grant_missing"]);
  });
});

describe("watchParticipant", () => {
  it("is an async iterable of pushed tokens that ends cleanly on break", async () => {
    const room = "watch-break";
    const admin = createRoomgateClient({ address: srv.grpcAddress, token: adminToken(room) });
    try {
      await admin.participants.joinRoom({ token: joinToken(room, "alice", { canPublish: false }) });
      const seen: WatchParticipantResponse[] = [];
      for await (const ev of admin.participants.watchParticipant({ room, identity: "alice" })) {
        seen.push(ev);
        if (seen.length === 1) await admin.participants.updateParticipant({ room, identity: "alice", metadata: "promoted" });
        if (ev.cause === EventCause.UPDATED) break;
      }
      expect(seen.map((e) => e.cause)).toEqual([EventCause.REFRESHED, EventCause.UPDATED]);
      expect(seen[1]!.participant?.metadata).toBe("promoted");
      // The client still works after the break: the stream was cancelled, not the channel.
      expect((await admin.participants.getParticipant({ room, identity: "alice" })).participant?.metadata).toBe("promoted");
    } finally {
      admin.close();
    }
  });

  it("ends without error when the participant is removed, after the removed event", async () => {
    const room = "watch-remove";
    const admin = createRoomgateClient({ address: srv.grpcAddress, token: adminToken(room) });
    try {
      await admin.participants.joinRoom({ token: joinToken(room, "bob") });
      const causes: EventCause[] = [];
      for await (const ev of admin.participants.watchParticipant({ room, identity: "bob" })) {
        causes.push(ev.cause);
        if (causes.length === 1) await admin.participants.removeParticipant({ room, identity: "bob" });
      }
      expect(causes).toEqual([EventCause.REFRESHED, EventCause.REMOVED]);
    } finally {
      admin.close();
    }
  });

  it("throws the server's refusal as a RoomgateError", async () => {
    const err = await failure((async () => {
      for await (const _ of grpcClient.participants.watchParticipant({ room: "nowhere", identity: "x" }, { token: "not-a-token" })) void _;
    })());
    expect([err.code, err.reason]).toEqual([Code.UNAUTHENTICATED, "token_malformed"]);
  });

  it("is refused over Twirp with UNIMPLEMENTED, which cannot carry streams", async () => {
    const err = await failure((async () => {
      for await (const _ of twirpClient.participants.watchParticipant({ room: "r", identity: "x" })) void _;
    })());
    expect([err.code, err.reason]).toEqual([Code.UNIMPLEMENTED, "unimplemented"]);
  });

  it("an abort signal ends the stream with CANCELLED", async () => {
    const room = "watch-abort";
    await grpcClient.participants.joinRoom({ token: joinToken(room, "carol") });
    const ac = new AbortController();
    const err = await failure((async () => {
      for await (const _ of grpcClient.participants.watchParticipant({ room, identity: "carol" }, { token: adminToken(room), signal: ac.signal })) ac.abort();
    })());
    expect([err.code, err.reason]).toEqual([Code.CANCELLED, "cancelled"]);
  });
});

describe("per-call signal", () => {
  it.each([["gRPC", () => grpcClient], ["Twirp", () => twirpClient]])("an aborted signal cancels a unary call over %s", async (_name, client) => {
    const ac = new AbortController();
    ac.abort();
    const err = await failure(client().tokens.verifyToken({ token: "x" }, { signal: ac.signal }));
    expect([err.code, err.reason]).toEqual([Code.CANCELLED, "cancelled"]);
  });
});

describe("transport failures", () => {
  let http1: Server;
  let http1Port: number;
  beforeAll(async () => {
    http1 = createServer((_req, res) => res.writeHead(400).end());
    await new Promise<void>((resolve) => http1.listen(0, "127.0.0.1", resolve));
    http1Port = (http1.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => http1.close(() => resolve())));

  it("a gRPC client pointed at an HTTP/1.1 port says which port to use", async () => {
    const c = createRoomgateClient({ address: srv.httpUrl.replace("http://", ""), retry: false });
    try {
      const err = await failure(c.tokens.verifyToken({ token: "x" }));
      expect(err.code).toBe(Code.UNAVAILABLE);
      expect(err.reason).toBe("wrong_protocol");
      expect(err.message).toBe(`${srv.httpUrl.replace("http://", "")} speaks HTTP/1.1: use ${srv.httpUrl} or the gRPC port`);
    } finally {
      c.close();
    }
  });

  it("a closed port is UNAVAILABLE with a message naming the address", async () => {
    const address = `127.0.0.1:${http1Port}`;
    await new Promise<void>((resolve) => http1.close(() => resolve()));
    const c = createRoomgateClient({ address, retry: false, deadlineMs: 5000 });
    try {
      const err = await failure(c.tokens.verifyToken({ token: "x" }));
      expect([err.code, err.reason, err.message]).toEqual([Code.UNAVAILABLE, "unavailable", `cannot reach roomgate at ${address}`]);
    } finally {
      c.close();
      http1 = createServer();
    }
  });

  it("needs an address", () => {
    expect(() => createRoomgateClient({ address: "" })).toThrow(RoomgateError);
  });
});
