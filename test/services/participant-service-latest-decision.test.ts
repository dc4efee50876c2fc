import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { nowSeconds } from "../../src/core/clock.js";
import type { ClaimGrants } from "../../src/core/grants.js";
import { DEFAULT_TOKEN_POLICY, verifyJwt } from "../../src/core/jwt.js";
import { mintToken } from "../../src/core/minting.js";
import { createParticipantService } from "../../src/services/participant-service.js";
import { createExpirySweep } from "../../src/services/watch-expiry.js";
import type { CallContext } from "../../src/transport/call-context.js";
import { ParticipantPermissionSchema } from "../../gen/roomgate/v1/grants_pb.js";
import {
  JoinRoomRequestSchema, RefreshTokenRequestSchema, UpdateParticipantRequestSchema, WatchParticipantRequestSchema,
} from "../../gen/roomgate/v1/participant_service_pb.js";
import { harness, joinGrants } from "../participants/fixtures.js";

describe("ParticipantService: latest decision wins for the participant's own older token", () => {
  // RefreshToken evaluates an older token with the admin update that covers it; a self WatchParticipant
  // with that token must not collect the tokens of a session begun from a newer join token instead.
  it("a self watch with a token the update covers does not receive the newer session's permission", async () => {
    const h = await harness();
    const svc = createParticipantService({ registry: h.registry, verifier: h.verifier, expiry: createExpirySweep(h.clock, h.timers), watchBuffer: h.settings.watchBuffer });
    const sign = (grants: ClaimGrants) => mintToken(h.keys.current().defaultKey, { grants, ttlSeconds: 3600 }, nowSeconds(h.clock)).token;
    const ctx = (credential?: string): CallContext => ({ ...(credential && { credential }), signal: new AbortController().signal });
    const admin = sign({ identity: "admin", video: { roomAdmin: true, room: "r1" } });
    const publisher = (): ClaimGrants => joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: true } });
    const old = sign(publisher());
    await svc.joinRoom(create(JoinRoomRequestSchema, { token: old }), ctx());
    await svc.updateParticipant(create(UpdateParticipantRequestSchema, {
      room: "r1", identity: "a", permission: create(ParticipantPermissionSchema, { canSubscribe: true }),
    }), ctx(admin));
    h.clock.advance(1000);
    await svc.joinRoom(create(JoinRoomRequestSchema, { token: sign(publisher()) }), ctx());
    const canPublish = (t: string) => verifyJwt(t, (k) => h.keys.current().get(k), h.clock.nowMs(), DEFAULT_TOKEN_POLICY).grants.video?.canPublish;
    // RefreshToken already holds the line for the older token.
    expect(canPublish((await svc.refreshToken(create(RefreshTokenRequestSchema, { token: old }), ctx())).token)).toBe(false);
    const stream = svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), ctx(old))[Symbol.asyncIterator]();
    await expect(stream.next()).rejects.toMatchObject({ code: "PERMISSION_DENIED", reason: "grant_missing" });
    // The newer join token itself still watches the session.
    const newer = sign(publisher());
    const own = svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), ctx(newer))[Symbol.asyncIterator]();
    const first = await own.next();
    await own.return?.();
    expect(canPublish(first.value!.token)).toBe(true);
  });
});
