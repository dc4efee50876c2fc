import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AccessToken, ParticipantInfo_State, RoomServiceClient, TrackSource, TwirpError } from "livekit-server-sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { decodeJwt } from "../../src/core/jwt.js";
import { EventCause, type WatchParticipantResponse } from "../../gen/roomgate/v1/participant_service_pb.js";
import { livekitSource, livekitSourceName } from "../../src/services/room-service-compat.js";
import { grpcOutcome, participantCalls } from "../support/participant-calls.js";
import { hs256 } from "../support/raw-tokens.js";
import { API_KEY, API_SECRET, startTestServer, type TestServer } from "../support/token-server.js";

// livekit-server-sdk signs with the wall clock, so this server runs on it too.
let s: TestServer;
let dir: string;
let rooms: RoomServiceClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-compat-"));
  s = await startTestServer(dir, {}, systemClock);
  rooms = new RoomServiceClient(`http://127.0.0.1:${s.server.httpPort}`, API_KEY, API_SECRET);
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function joinAs(identity: string, room: string): Promise<string> {
  const at = new AccessToken(API_KEY, API_SECRET, { identity, name: `${identity}-name`, ttl: "1h", attributes: { team: "blue" } });
  at.addGrant({ roomJoin: true, room });
  const token = await at.toJwt();
  await s.client.participants.joinRoom({ token });
  return token;
}

async function adminToken(room: string): Promise<string> {
  const at = new AccessToken(API_KEY, API_SECRET, { ttl: "10m" });
  at.addGrant({ roomAdmin: true, room });
  return at.toJwt();
}

it("lists and gets joined participants in LiveKit's ParticipantInfo shape", async () => {
  await joinAs("bob", "compat-list");
  await joinAs("alice", "compat-list");
  const list = await rooms.listParticipants("compat-list");
  expect(list.map((p) => p.identity)).toEqual(["alice", "bob"]);
  const bob = await rooms.getParticipant("compat-list", "bob");
  expect(bob).toMatchObject({
    identity: "bob", name: "bob-name", state: ParticipantInfo_State.ACTIVE, kind: 0,
    version: 1, attributes: { team: "blue" },
    permission: { canPublish: true, canSubscribe: true, canPublishData: true, canPublishSources: [] },
  });
  // kind 0 is LiveKit's ParticipantInfo.Kind.STANDARD.
  expect(bob.sid).toMatch(/^PA_[A-Za-z0-9_-]{12}$/);
  expect(Number(bob.joinedAt)).toBe(Math.floor(Number(bob.joinedAtMs) / 1000));
});

it("updates with LiveKit semantics and pushes the refreshed token to the participant's own watch stream", async () => {
  const token = await joinAs("carol", "compat-update");
  const stream = s.client.participants.watchParticipant({ room: "compat-update", identity: "carol" }, { token });
  const events = stream[Symbol.asyncIterator]();
  expect((await events.next()).value.cause).toBe(EventCause.REFRESHED);

  const info = await rooms.updateParticipant("compat-update", "carol", {
    metadata: "m1", attributes: { team: "", role: "host" },
    permission: { canPublish: true, canSubscribe: true, canPublishSources: [TrackSource.MICROPHONE] },
  });
  expect(info).toMatchObject({ metadata: "m1", version: 2, attributes: { role: "host" } });
  expect(info.permission).toMatchObject({ canPublish: true, canPublishData: false, canPublishSources: [TrackSource.MICROPHONE] });

  const pushed = (await events.next()).value as WatchParticipantResponse;
  expect(pushed.cause).toBe(EventCause.UPDATED);
  expect(decodeJwt(pushed.token).grants).toMatchObject({
    kind: "standard", metadata: "m1", attributes: { role: "host" },
    video: { canPublish: true, canPublishData: false, canSubscribe: true, canPublishSources: ["microphone"] },
  });
  stream.cancel();
});

it("removes with revokeTokenTs so the old join token is refused on rejoin", async () => {
  const token = await joinAs("dave", "compat-remove");
  await rooms.removeParticipant("compat-remove", "dave", { revokeTokenTs: BigInt(Math.floor(systemClock.nowMs() / 1000)) });
  await expect(rooms.getParticipant("compat-remove", "dave")).rejects.toMatchObject({ status: 404, code: "not_found" });
  expect(await rooms.listParticipants("compat-remove")).toEqual([]);
  expect(await grpcOutcome(s.client.participants.joinRoom({ token }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
});

it("reports errors as Twirp errors the SDK understands", async () => {
  const missing = await rooms.getParticipant("compat-errors", "nobody").catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(TwirpError);
  expect(missing).toMatchObject({ status: 404, code: "not_found", metadata: { reason: "participant_not_found" } });
  const wrongSecret = new RoomServiceClient(`http://127.0.0.1:${s.server.httpPort}`, API_KEY, "x".repeat(40));
  await expect(wrongSecret.listParticipants("compat-errors")).rejects.toMatchObject({ status: 401, code: "unauthenticated", metadata: { reason: "token_signature_invalid" } });
  const tooBig = await rooms.updateParticipant("compat-errors", "nobody", { name: "n".repeat(300) }).catch((e: unknown) => e);
  expect(tooBig).toMatchObject({ status: 400, code: "invalid_argument", metadata: { argument: "name" } });
});

it("shows a token's unknown source as LiveKit's UNKNOWN and accepts UNKNOWN in an update, as LiveKit does", async () => {
  // The SDK refuses to write a source it does not know, so the token is signed by hand, as another LiveKit SDK could.
  const now = Math.floor(systemClock.nowMs() / 1000);
  const token = hs256({ iss: API_KEY, sub: "kim", iat: now, nbf: now, exp: now + 3600, video: { roomJoin: true, room: "compat-unknown", canPublishSources: ["camera", "hologram"] } }, API_SECRET);
  await s.client.participants.joinRoom({ token });
  const kim = await rooms.getParticipant("compat-unknown", "kim");
  expect(kim.permission?.canPublishSources).toEqual([TrackSource.CAMERA, TrackSource.UNKNOWN]);
  const [status, body] = await twirp("UpdateParticipant", { room: "compat-unknown", identity: "kim", permission: { canPublish: true, canPublishSources: ["UNKNOWN"] } }, await adminToken("compat-unknown"));
  expect([status, (body as { permission: unknown }).permission]).toMatchObject([200, { can_publish_sources: ["UNKNOWN"] }]);
  const calls = participantCalls(s.participantClient, s.tokenClient);
  expect((await calls.get("compat-unknown", "kim", await adminToken("compat-unknown"))).participant?.permission?.canPublishSources).toEqual([5]);
});

it("refuses a revokeTokenTs more than a minute ahead (milliseconds by mistake) and changes nothing", async () => {
  const token = await joinAs("erin", "compat-ts");
  const nowSec = Math.floor(systemClock.nowMs() / 1000);
  for (const ts of [BigInt(systemClock.nowMs()), BigInt(nowSec + 120)]) {
    const err = await rooms.removeParticipant("compat-ts", "erin", { revokeTokenTs: ts }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: "invalid_argument", metadata: { argument: "revoke_token_ts", reason: "invalid_argument" } });
  }
  expect((await rooms.getParticipant("compat-ts", "erin")).state).toBe(ParticipantInfo_State.ACTIVE);
  expect(await grpcOutcome(s.client.participants.joinRoom({ token }))).toEqual({ code: grpc.status.OK });
});

it("revokes an identity that never joined with revokeTokenTs (answering 404, as LiveKit does); without it the identity is not found", async () => {
  const at = new AccessToken(API_KEY, API_SECRET, { identity: "frank", ttl: "1h" });
  at.addGrant({ roomJoin: true, room: "compat-leak" });
  const leaked = await at.toJwt();
  await expect(rooms.removeParticipant("compat-leak", "frank")).rejects.toMatchObject({ status: 404, metadata: { reason: "participant_not_found" } });
  await expect(rooms.removeParticipant("compat-leak", "frank", { revokeTokenTs: BigInt(Math.floor(systemClock.nowMs() / 1000)) }))
    .rejects.toMatchObject({ status: 404, metadata: { reason: "participant_not_found" } });
  expect((await grpcOutcome(s.client.participants.joinRoom({ token: leaked }))).reason).toBe("token_revoked");
  await expect(rooms.getParticipant("compat-leak", "frank")).rejects.toMatchObject({ status: 404 });
});

async function twirp(method: string, body: unknown, credential?: string): Promise<[number, unknown]> {
  const res = await fetch(`http://127.0.0.1:${s.server.httpPort}/twirp/livekit.RoomService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(credential && { authorization: `Bearer ${credential}` }) },
    body: JSON.stringify(body),
  });
  return [res.status, await res.json()];
}

it("answers 404 not_found to a second RemoveParticipant and to GetParticipant of a removed participant, changing nothing", async () => {
  await joinAs("gina", "compat-twice");
  const admin = await adminToken("compat-twice");
  const calls = participantCalls(s.participantClient, s.tokenClient);
  // A watcher that outlives the first removal would see a second `removed`: the bus would carry it to a new watch too.
  const first = calls.watch("compat-twice", "gina", admin);
  expect((await first.next()).cause).toBe(EventCause.REFRESHED);
  await rooms.removeParticipant("compat-twice", "gina");
  expect((await first.next()).cause).toBe(EventCause.REMOVED);
  await expect(rooms.removeParticipant("compat-twice", "gina")).rejects.toMatchObject({ status: 404, code: "not_found" });
  await expect(rooms.getParticipant("compat-twice", "gina")).rejects.toMatchObject({ status: 404, code: "not_found" });
  expect((await calls.get("compat-twice", "gina", admin)).participant).toMatchObject({ version: 2n });
});

it("answers 401 unauthenticated, as LiveKit does, to a caller without roomAdmin for the room", async () => {
  await joinAs("hank", "compat-401");
  const joinOnly = await joinAs("ivy", "compat-401");
  const otherRoom = await adminToken("compat-elsewhere");
  for (const credential of [joinOnly, otherRoom]) {
    for (const [method, body] of [
      ["GetParticipant", { room: "compat-401", identity: "hank" }],
      ["ListParticipants", { room: "compat-401" }],
      ["RemoveParticipant", { room: "compat-401", identity: "hank" }],
      ["UpdateParticipant", { room: "compat-401", identity: "hank", metadata: "m" }],
    ] as const) {
      const [status, err] = await twirp(method, body, credential);
      expect([method, status, err]).toMatchObject([method, 401, { code: "unauthenticated", meta: { reason: "grant_missing" } }]);
    }
  }
  expect((await rooms.getParticipant("compat-401", "hank")).state).toBe(ParticipantInfo_State.ACTIVE);
});

it("checks name, metadata and attributes sizes before authorization on the LiveKit routes", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ name: "n".repeat(257) }, "name"],
    [{ metadata: "m".repeat(512 * 1024 + 1) }, "metadata"],
    [{ attributes: { k: "v".repeat(64 * 1024) } }, "attributes"],
  ];
  for (const [fields, argument] of cases) {
    for (const credential of [undefined, await adminToken("compat-elsewhere")]) {
      const [status, err] = await twirp("UpdateParticipant", { room: "compat-limits", identity: "nobody", ...fields }, credential);
      expect([status, err]).toMatchObject([400, { code: "invalid_argument", meta: { argument } }]);
    }
  }
  // At the limits, authorization decides.
  const [status, err] = await twirp("UpdateParticipant", { room: "compat-limits", identity: "nobody", name: "n".repeat(256) });
  expect([status, err]).toMatchObject([401, { code: "unauthenticated", meta: { reason: "caller_unauthenticated" } }]);
});

it("maps sources to LiveKit's TrackSource numbers: any case in, UNKNOWN for the rest, and UNKNOWN back as unknown", () => {
  expect(["camera", "MICROPHONE", "Screen_Share", "screen_share_audio", "hologram", ""].map(livekitSource))
    .toEqual([TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO, TrackSource.UNKNOWN, TrackSource.UNKNOWN]);
  expect([0, 1, 4].map((n) => livekitSourceName(n, "f"))).toEqual(["unknown", "camera", "screen_share_audio"]);
  expect(() => livekitSourceName(9, "permission.can_publish_sources")).toThrow(expect.objectContaining({ reason: "invalid_argument", field: "permission.can_publish_sources" }));
});

it("answers a token LiveKit's middleware refuses 401 before the size checks, as LiveKit does", async () => {
  const wrongSecret = new AccessToken(API_KEY, "not-the-secret-of-this-key-at-all-32b", { ttl: "10m" });
  wrongSecret.addGrant({ roomAdmin: true, room: "compat-limits" });
  const [status, err] = await twirp("UpdateParticipant", { room: "compat-limits", identity: "nobody", metadata: "m".repeat(512 * 1024 + 1) }, await wrongSecret.toJwt());
  expect([status, err]).toMatchObject([401, { code: "unauthenticated", meta: { reason: "token_signature_invalid" } }]);
});

it("answers RemoveParticipant of an identity not in the room 404 also with revokeTokenTs, as LiveKit does, and still records the watermark", async () => {
  const at = new AccessToken(API_KEY, API_SECRET, { identity: "kate", ttl: "1h" });
  at.addGrant({ roomJoin: true, room: "compat-leak-404" });
  const leaked = await at.toJwt();
  const [status, err] = await twirp("RemoveParticipant", { room: "compat-leak-404", identity: "kate", revokeTokenTs: String(Math.floor(systemClock.nowMs() / 1000)) }, await adminToken("compat-leak-404"));
  expect([status, err]).toMatchObject([404, { code: "not_found", meta: { reason: "participant_not_found" } }]);
  expect((await grpcOutcome(s.client.participants.joinRoom({ token: leaked }))).reason).toBe("token_revoked");
});
