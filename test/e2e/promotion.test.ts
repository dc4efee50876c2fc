import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AccessToken, RoomServiceClient, TokenVerifier, type ClaimGrants } from "livekit-server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, systemClock } from "../../src/core/clock.js";
import { decodeJwt } from "../../src/core/jwt.js";
import { createManualTimers } from "../../src/participants/timers.js";
import { EventCause } from "../../gen/roomgate/v1/participant_service_pb.js";
import { Grant } from "../../gen/roomgate/v1/token_service_pb.js";
import { grpcOutcome, participantCalls } from "../support/participant-calls.js";
import { hs256 } from "../support/raw-tokens.js";
import { onEveryInstance, startDeployment, type TestDeployment } from "../support/deployment.js";
import { API_KEY, API_SECRET, OTHER_KEY, OTHER_SECRET, T0_MS, type TestServer } from "../support/token-server.js";

// Every token here passes through livekit-server-sdk, which checks against the wall clock, so the server runs on it too.
let s: TestDeployment;
let dir: string;
let calls: ReturnType<typeof participantCalls>;
let rooms: RoomServiceClient;
// Refreshed tokens are signed with the default key (the first configured one, like LiveKit's first key pair), so pick the secret by `iss`.
const SECRETS = new Map([[API_KEY, API_SECRET], [OTHER_KEY, OTHER_SECRET]]);
const DEFAULT_KEY = [...SECRETS.keys()].sort()[0]!;
const sdkVerifier = {
  verify(token: string): Promise<ClaimGrants> {
    const iss = (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { iss?: string }).iss ?? "";
    return new TokenVerifier(iss, SECRETS.get(iss) ?? "").verify(token);
  },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-promotion-"));
  s = await startDeployment(dir, {}, systemClock);
  calls = participantCalls(s.participantClient, s.tokenClient);
  rooms = new RoomServiceClient(s.twirpUrl.replace(/\/twirp$/, ""), API_KEY, API_SECRET);
});
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function joinToken(identity: string, room: string): Promise<string> {
  const at = new AccessToken(API_KEY, API_SECRET, { identity, name: `${identity} (guest)`, ttl: "1h" });
  at.addGrant({ roomJoin: true, room, canPublish: false });
  return at.toJwt();
}

async function adminToken(room: string): Promise<string> {
  const at = new AccessToken(API_KEY, API_SECRET, { identity: "stage-manager", ttl: "10m" });
  at.addGrant({ roomAdmin: true, room });
  return at.toJwt();
}

/** The video grant LiveKit signs after a permission update: every tri-state bool explicit, plain false bools omitted. */
function updatedVideo(room: string, canPublish: boolean): NonNullable<ClaimGrants["video"]> {
  return {
    roomJoin: true, room, canPublish, canSubscribe: true, canPublishData: true,
    canUpdateOwnMetadata: false, canSubscribeMetrics: false, canManageAgentSession: false,
  };
}

/** Changes only canPublish, keeping subscribe and data on (a permission replaces the whole set). */
type SetCanPublish = (room: string, identity: string, canPublish: boolean) => Promise<boolean | undefined>;

const viaGrpc: SetCanPublish = async (room, identity, canPublish) => {
  const res = await calls.update({ room, identity, permission: { canPublish, canSubscribe: true, canPublishData: true } }, await adminToken(room));
  return res.participant?.permission?.canPublish;
};

const viaLivekitSdk: SetCanPublish = async (room, identity, canPublish) => {
  const info = await rooms.updateParticipant(room, identity, { permission: { canPublish, canSubscribe: true, canPublishData: true } });
  return info.permission?.canPublish;
};

describe.each([
  ["roomgate.v1 UpdateParticipant over gRPC", "stage-grpc", viaGrpc],
  ["livekit-server-sdk RoomServiceClient.updateParticipant over Twirp", "stage-sdk", viaLivekitSdk],
] as const)("promotion and demotion through %s", (_via, room, setCanPublish) => {
  it("pushes tokens LiveKit accepts, and live permissions win over the join token", async () => {
    const identity = "pat";
    const joinTok = await joinToken(identity, room);
    const joinExp = (await sdkVerifier.verify(joinTok)).exp!;
    const requirePublish = { token: joinTok, require: [Grant.CAN_PUBLISH], room };

    const joined = await calls.join(joinTok);
    expect(joined.participant?.permission?.canPublish).toBe(false);
    expect(await grpcOutcome(calls.verify(requirePublish))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });

    const watch = calls.watch(room, identity, joinTok);
    const first = await watch.next();
    expect(first.cause).toBe(EventCause.REFRESHED);
    expect((await sdkVerifier.verify(first.token)).video?.canPublish).toBe(false);

    expect(await setCanPublish(room, identity, true)).toBe(true);
    const promoted = await watch.next();
    expect(promoted.cause).toBe(EventCause.UPDATED);
    expect(promoted.participant?.version).toBe(2n);
    const promotedClaims = await sdkVerifier.verify(promoted.token);
    expect(promotedClaims.video).toEqual(updatedVideo(room, true));
    expect(promotedClaims).toMatchObject({ sub: identity, iss: DEFAULT_KEY, name: `${identity} (guest)`, kind: "standard" });
    // A refreshed token keeps the join token's expiry when that is further away than the 10 min minimum.
    expect(promotedClaims.exp).toBe(joinExp);
    expect(promoted.expiresAt?.seconds).toBe(BigInt(joinExp));

    // Live permissions are answered from memory; every instance learns the update within the propagation bound.
    await onEveryInstance(s, async (on) => expect((await on.verify(requirePublish)).effectiveVideo?.canPublish).toBe(true));
    const afterPromotion = await calls.verify(requirePublish);
    expect(afterPromotion.claims?.video?.canPublish).toBe(false);
    expect(afterPromotion.effectiveVideo?.canPublish).toBe(true);
    const refreshedUp = await calls.refresh(joinTok);
    expect((await sdkVerifier.verify(refreshedUp.token)).video).toEqual(updatedVideo(room, true));

    expect(await setCanPublish(room, identity, false)).toBe(false);
    const demoted = await watch.next();
    expect(demoted.cause).toBe(EventCause.UPDATED);
    expect((await sdkVerifier.verify(demoted.token)).video).toEqual(updatedVideo(room, false));
    await onEveryInstance(s, async (on) => expect(await grpcOutcome(on.verify(requirePublish))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" }));
    // The promoted token is newer than the demotion's cause but still signed with canPublish:true; it must not win it back either.
    expect(await grpcOutcome(calls.verify({ token: promoted.token, require: [Grant.CAN_PUBLISH], room })))
      .toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });
    expect((await calls.verify({ token: joinTok, require: [Grant.CAN_PUBLISH_DATA, Grant.CAN_SUBSCRIBE], room })).effectiveVideo?.canPublish).toBe(false);
    const refreshedDown = await calls.refresh(joinTok);
    expect((await sdkVerifier.verify(refreshedDown.token)).video).toEqual(updatedVideo(room, false));

    // Rejoining with the old canPublish:false token, issued before the admin's last update, keeps what the admin set last (latest decision wins).
    await setCanPublish(room, identity, true);
    expect((await watch.next()).cause).toBe(EventCause.UPDATED);
    const rejoined = await calls.join(joinTok);
    expect(rejoined.participant?.permission?.canPublish).toBe(true);
    expect((await sdkVerifier.verify(rejoined.token)).video).toEqual(updatedVideo(room, true));
    watch.cancel();
    expect((await watch.ended()).code).toBe(grpc.status.CANCELLED);
  });
});

// A repeated permission is a new decision when it lands in a later second (it governs the tokens issued
// in between; the registry tests pin that with a manual clock), so this no-op repeats metadata instead.
it("an update that changes nothing pushes nothing and keeps the version", async () => {
  const room = "stage-noop";
  const joinTok = await joinToken("quinn", room);
  await calls.join(joinTok);
  const watch = calls.watch(room, "quinn", joinTok);
  await watch.next();
  await calls.update({ room, identity: "quinn", metadata: "backstage", attributes: { seat: "1" } }, await adminToken(room));
  expect((await watch.next()).participant?.version).toBe(2n);
  const again = await calls.update({ room, identity: "quinn", metadata: "backstage", attributes: { seat: "1", none: "" } }, await adminToken(room));
  expect(again.participant?.version).toBe(2n);
  // The next change must be the next event: the no-op update pushed nothing in between.
  await calls.update({ room, identity: "quinn", metadata: "on stage" }, await adminToken(room));
  const next = await watch.next();
  expect([next.participant?.version, next.participant?.metadata]).toEqual([3n, "on stage"]);
  expect((await sdkVerifier.verify(next.token)).metadata).toBe("on stage");
  watch.cancel();
});

describe("the periodic refresh after a promotion (manual clock and timers)", () => {
  const clock = manualClock(T0_MS);
  const timers = createManualTimers(clock);
  const T0 = T0_MS / 1000;
  const INTERVAL_MS = 300_000;
  let m: TestServer;
  let mdir: string;
  let mcalls: ReturnType<typeof participantCalls>;
  beforeAll(async () => {
    mdir = mkdtempSync(join(tmpdir(), "roomgate-promotion-timers-"));
    m = await startDeployment(mdir, {}, clock, { timers });
    mcalls = participantCalls(m.participantClient, m.tokenClient);
  });
  afterAll(async () => {
    await m?.close();
    rmSync(mdir, { recursive: true, force: true });
  });

  it("every 5 minutes pushes a token with the promoted permission, living max(10 min, join time left), past the join token's expiry", async () => {
    const room = "stage-timers";
    const joinTok = hs256({ iss: API_KEY, sub: "pat", iat: T0, nbf: T0, exp: T0 + 900, video: { roomJoin: true, room, canPublish: false } }, API_SECRET);
    const admin = hs256({ iss: API_KEY, sub: "boss", iat: T0, nbf: T0, exp: T0 + 7200, video: { roomAdmin: true, room } }, API_SECRET);
    await mcalls.join(joinTok);
    // Watched by the admin: a participant's own watch ends when the token it opened with expires (contract §9).
    const watch = mcalls.watch(room, "pat", admin);
    await watch.next();
    await mcalls.update({ room, identity: "pat", permission: { canPublish: true, canSubscribe: true, canPublishData: true } }, admin);
    expect((await watch.next()).cause).toBe(EventCause.UPDATED);

    // [seconds since T0 when the refresh fires, expected exp − T0]: 900 − 300 = 600 left, then the 10 min minimum takes over.
    for (const [at, exp] of [[300, 900], [600, 1200], [900, 1500], [1200, 1800]] as const) {
      await timers.advance(INTERVAL_MS);
      const e = await watch.next();
      expect([e.cause, Number(e.expiresAt?.seconds) - T0]).toEqual([EventCause.REFRESHED, exp]);
      const { registered } = decodeJwt(e.token);
      expect([registered.iat, registered.exp]).toEqual([T0 + at, T0 + exp]);
      const verified = await mcalls.verify({ token: e.token, require: [Grant.CAN_PUBLISH], room });
      expect(verified.claims?.video?.canPublish).toBe(true);
    }
    // The join token itself expired at T0 + 900 (+60 s leeway); the session lives on refreshed tokens.
    expect(await grpcOutcome(mcalls.verify({ token: joinTok }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_expired" });
    watch.cancel();
  });
});
