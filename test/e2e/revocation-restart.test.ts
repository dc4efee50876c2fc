import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, nowSeconds } from "../../src/core/clock.js";
import { ParticipantState } from "../../gen/roomgate/v1/participant_service_pb.js";
import { hs256 } from "../support/raw-tokens.js";
import { grpcOutcome, participantCalls, twirpCall, type GrpcOutcome } from "../support/participant-calls.js";
import { API_KEY, API_SECRET, T0_MS, startTestServer, type TestServer } from "../support/token-server.js";

const ROOM = "r1";
const T0 = T0_MS / 1000;
// One clock across restarts: the restarted server must judge the same tokens at the same time.
const clock = manualClock(T0_MS);
let dir: string;
let s: TestServer | undefined;
let calls: ReturnType<typeof participantCalls>;

async function restart(): Promise<void> {
  await s?.close();
  s = await startTestServer(dir, {}, clock);
  calls = participantCalls(s.participantClient, s.tokenClient);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-revocation-"));
  await restart();
});
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A token for `sub` in ROOM issued at `iat` (the current second unless given); `claims` may drop or replace iat/nbf. */
function token(sub: string, video: Record<string, unknown>, claims: Record<string, unknown> = {}): string {
  const now = nowSeconds(clock);
  return hs256({ iss: API_KEY, sub, iat: now, nbf: now, exp: now + 3600, video: { room: ROOM, ...video }, ...claims }, API_SECRET);
}
const joinToken = (sub: string, claims: Record<string, unknown> = {}) => token(sub, { roomJoin: true }, claims);
// The host joins with a token that is also its room-admin credential, as a LiveKit host token often is.
const hostToken = (claims: Record<string, unknown> = {}) => token("host", { roomJoin: true, roomAdmin: true }, claims);
const boss = () => token("boss", { roomAdmin: true });

const show = (o: GrpcOutcome): string => (o.code === grpc.status.OK ? "OK" : `${grpc.status[o.code]} ${o.reason}`);
const REVOKED = "UNAUTHENTICATED token_revoked";

/** Where a participant's token is used: verification, joining, refreshing, and (for the host's) as an admin credential. */
async function everywhere(join: string, host: string): Promise<Record<string, string>> {
  return {
    "VerifyToken join": show(await grpcOutcome(calls.verify({ token: join }))),
    "JoinRoom join": show(await grpcOutcome(calls.join(join))),
    "RefreshToken join": show(await grpcOutcome(calls.refresh(join))),
    "VerifyToken host": show(await grpcOutcome(calls.verify({ token: host }))),
    "RefreshToken host": show(await grpcOutcome(calls.refresh(host))),
    "admin GetParticipant host": show(await grpcOutcome(calls.get(ROOM, "guest", host))),
    "admin ListParticipants host": show(await grpcOutcome(calls.list(ROOM, host))),
    "admin WatchParticipant host": show(await grpcOutcome((async () => {
      const w = calls.watch(ROOM, "guest", host);
      try {
        await w.next();
      } finally {
        w.cancel();
      }
    })())),
  };
}
const allRevoked = (r: Record<string, string>) => Object.fromEntries(Object.keys(r).map((k) => [k, REVOKED]));
const allOk = (r: Record<string, string>) => Object.fromEntries(Object.keys(r).map((k) => [k, "OK"]));

const issued: Record<string, string> = {};

describe("a revoked token stays revoked across restarts; a newer one works", () => {
  it("before the restart: every use of a token issued at or before the kick second is refused", async () => {
    issued.guestJoin = joinToken("guest");
    issued.hostJoin = hostToken();
    await calls.join(issued.guestJoin);
    await calls.join(issued.hostJoin);
    clock.advance(5_000);
    // Tokens that prove their age only by nbf, or not at all, or with a fractional iat inside the kick second.
    issued.guestNbfOnly = joinToken("guest", { iat: undefined });
    issued.guestUndated = joinToken("guest", { iat: undefined, nbf: undefined });
    issued.guestKickSecond = joinToken("guest", { iat: T0 + 5.9 });
    const before = await everywhere(issued.guestJoin, issued.hostJoin);
    expect(before).toEqual(allOk(before));

    await calls.remove(ROOM, "guest", true, boss());
    await calls.remove(ROOM, "host", true, boss());
    const got = await everywhere(issued.guestJoin, issued.hostJoin);
    expect(got).toEqual(allRevoked(got));
    for (const t of [issued.guestNbfOnly, issued.guestUndated, issued.guestKickSecond]) {
      expect(show(await grpcOutcome(calls.verify({ token: t })))).toBe(REVOKED);
    }
  });

  it("after closing and starting again on the same data directory, still refused", async () => {
    await restart();
    const got = await everywhere(issued.guestJoin!, issued.hostJoin!);
    expect(got).toEqual(allRevoked(got));
    for (const t of [issued.guestNbfOnly!, issued.guestUndated!, issued.guestKickSecond!]) {
      expect(show(await grpcOutcome(calls.verify({ token: t })))).toBe(REVOKED);
    }
    // A token minted in the kick second itself is covered too (iat ≤ watermark).
    expect(show(await grpcOutcome(calls.verify({ token: joinToken("guest") })))).toBe(REVOKED);
    const guest = await calls.get(ROOM, "guest", boss());
    expect(guest.participant?.state).toBe(ParticipantState.REMOVED);
  });

  it("a token minted a second after the kick works everywhere, also after another restart, and the old ones stay refused", async () => {
    clock.advance(1_000);
    const guestJoin = joinToken("guest");
    const hostJoin = hostToken();
    const rejoined = await calls.join(guestJoin);
    expect(rejoined.participant?.state).toBe(ParticipantState.ACTIVE);
    expect(show(await grpcOutcome(calls.verify({ token: rejoined.token })))).toBe("OK");
    await calls.join(hostJoin);

    const fresh = await everywhere(guestJoin, hostJoin);
    expect(fresh).toEqual(allOk(fresh));
    // Rejoining must not lower the watermark for the old tokens.
    const old = await everywhere(issued.guestJoin!, issued.hostJoin!);
    expect(old).toEqual(allRevoked(old));

    await restart();
    const freshAfter = await everywhere(guestJoin, hostJoin);
    expect(freshAfter).toEqual(allOk(freshAfter));
    const oldAfter = await everywhere(issued.guestJoin!, issued.hostJoin!);
    expect(oldAfter).toEqual(allRevoked(oldAfter));
  });

  it("a leaked token of an identity that never joined stays revoked across a restart", async () => {
    const leaked = joinToken("never-joined");
    const leakedHost = hostToken({ sub: "never-host" });
    expect(show(await grpcOutcome(calls.remove(ROOM, "never-joined", true, boss())))).toBe("OK");
    const res = await twirpCall(s!.twirpUrl, "livekit.RoomService", "RemoveParticipant",
      { room: ROOM, identity: "never-host", revoke_token_ts: String(nowSeconds(clock)) }, boss());
    // LiveKit answers a participant not in the room 404; the watermark is recorded all the same.
    expect(res.status).toBe(404);
    clock.advance(1_000);
    await restart();
    expect(show(await grpcOutcome(calls.join(leaked)))).toBe(REVOKED);
    expect(show(await grpcOutcome(calls.list(ROOM, leakedHost)))).toBe(REVOKED);
    expect(show(await grpcOutcome(calls.join(joinToken("never-joined"))))).toBe("OK");
  });

  it("LiveKit's revoke_token_ts watermark is kept exactly across a restart", async () => {
    const at = (sec: number) => joinToken("late", { iat: sec, nbf: sec });
    await calls.join(at(nowSeconds(clock)));
    const ts = nowSeconds(clock) + 2;
    const res = await twirpCall(s!.twirpUrl, "livekit.RoomService", "RemoveParticipant", { room: ROOM, identity: "late", revoke_token_ts: String(ts) }, boss());
    expect(res.status).toBe(200);
    clock.advance(3_000);
    await restart();
    expect(show(await grpcOutcome(calls.verify({ token: at(ts) })))).toBe(REVOKED);
    expect(show(await grpcOutcome(calls.verify({ token: at(ts + 1) })))).toBe("OK");
    expect(show(await grpcOutcome(calls.join(at(ts + 1))))).toBe("OK");
  });
});
