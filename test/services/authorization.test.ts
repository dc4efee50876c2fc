import { describe, expect, it } from "vitest";
import { nowSeconds } from "../../src/core/clock.js";
import type { ClaimGrants } from "../../src/core/grants.js";
import type { VerifiedToken } from "../../src/core/jwt.js";
import { mintToken } from "../../src/core/minting.js";
import {
  authenticateCaller, authorizeRoomAdmin, authorizeWatcher, isRoomAdmin, requireJoinGrant, requireWatchGrant,
} from "../../src/services/authorization.js";
import type { CallContext } from "../../src/transport/call-context.js";
import { API_KEY, harness, joinGrants, T0_MS } from "../participants/fixtures.js";
import { hs256 } from "../support/raw-tokens.js";

const T0 = T0_MS / 1000;
const verified = (grants: ClaimGrants): VerifiedToken => ({ apiKey: API_KEY, identity: "x", grants, expiresAt: T0 + 60 });

async function setup() {
  const h = await harness();
  const sign = (grants: ClaimGrants) => mintToken(h.keys.current().defaultKey, { grants, ttlSeconds: 3600 }, nowSeconds(h.clock)).token;
  const ctx = (credential?: string): CallContext => ({ ...(credential && { credential }), signal: new AbortController().signal });
  const admin = (room: string) => sign({ identity: "admin", video: { roomAdmin: true, room } });
  return { h, sign, ctx, admin };
}

describe("authenticateCaller", () => {
  it("refuses a missing credential as caller_unauthenticated and keeps a bad token's own reason", async () => {
    const s = await setup();
    await expect(authenticateCaller(s.h.verifier, s.ctx())).rejects.toMatchObject({ reason: "caller_unauthenticated", code: "UNAUTHENTICATED" });
    await expect(authenticateCaller(s.h.verifier, s.ctx("not-a-jwt"))).rejects.toMatchObject({ reason: "token_malformed" });
    expect((await authenticateCaller(s.h.verifier, s.ctx(s.admin("r1")))).identity).toBe("admin");
  });
});

describe("isRoomAdmin", () => {
  it("needs roomAdmin and the exact room", () => {
    expect(isRoomAdmin(verified({ video: { roomAdmin: true, room: "r1" } }), "r1")).toBe(true);
    expect(isRoomAdmin(verified({ video: { roomAdmin: true, room: "R1" } }), "r1")).toBe(false);
    expect(isRoomAdmin(verified({ video: { roomAdmin: true } }), "r1")).toBe(false);
    expect(isRoomAdmin(verified({ video: { roomCreate: true, roomList: true, room: "r1" } }), "r1")).toBe(false);
    expect(isRoomAdmin(verified({}), "r1")).toBe(false);
  });
});

describe("authorizeRoomAdmin", () => {
  it("admits the room's admin and refuses anyone else with grant_missing", async () => {
    const s = await setup();
    await expect(authorizeRoomAdmin(s.h.verifier, s.ctx(s.admin("r1")), "r1")).resolves.toMatchObject({ identity: "admin" });
    await expect(authorizeRoomAdmin(s.h.verifier, s.ctx(s.admin("r2")), "r1")).rejects.toMatchObject({ reason: "grant_missing", code: "PERMISSION_DENIED" });
    await expect(authorizeRoomAdmin(s.h.verifier, s.ctx(s.sign(joinGrants("a"))), "r1")).rejects.toMatchObject({ reason: "grant_missing" });
    await expect(authorizeRoomAdmin(s.h.verifier, s.ctx(), "r1")).rejects.toMatchObject({ reason: "caller_unauthenticated" });
  });
});

describe("authorizeWatcher", () => {
  it("admits the participant itself and the room's admin, nobody else", async () => {
    const s = await setup();
    const own = s.sign(joinGrants("a"));
    await expect(authorizeWatcher(s.h.verifier, s.ctx(own), "r1", "a")).resolves.toMatchObject({ identity: "a" });
    await expect(authorizeWatcher(s.h.verifier, s.ctx(s.admin("r1")), "r1", "a")).resolves.toBeDefined();
    await expect(authorizeWatcher(s.h.verifier, s.ctx(own), "r1", "b")).rejects.toMatchObject({ reason: "grant_missing" });
    await expect(authorizeWatcher(s.h.verifier, s.ctx(own), "r2", "a")).rejects.toMatchObject({ reason: "grant_missing" });
    await expect(authorizeWatcher(s.h.verifier, s.ctx(s.admin("r2")), "r1", "a")).rejects.toMatchObject({ reason: "grant_missing" });
    // A token without identity is nobody's own token, even for an empty requested identity.
    const anonymous = hs256({ iss: API_KEY, iat: T0, exp: T0 + 60, video: { roomJoin: true, room: "r1" } }, "default-secret-that-is-at-least-32-bytes");
    await expect(authorizeWatcher(s.h.verifier, s.ctx(anonymous), "r1", "")).rejects.toMatchObject({ reason: "grant_missing" });
  });

  it("wants roomJoin in the participant's own token: an admin-only or subscribe-only token of the identity gets grant_missing", async () => {
    const s = await setup();
    const subscribeOnly = s.sign({ identity: "a", video: { room: "r1", canSubscribe: false } });
    await expect(authorizeWatcher(s.h.verifier, s.ctx(subscribeOnly), "r1", "a")).rejects.toMatchObject({ reason: "grant_missing", code: "PERMISSION_DENIED", grant: "roomJoin" });
    const adminElsewhere = s.sign({ identity: "a", video: { roomAdmin: true, room: "r2" } });
    await expect(authorizeWatcher(s.h.verifier, s.ctx(adminElsewhere), "r1", "a")).rejects.toMatchObject({ reason: "grant_missing", grant: "roomAdmin" });
  });

  it("refuses the participant's own token once revoked", async () => {
    const s = await setup();
    const own = s.sign(joinGrants("a"));
    await s.h.registry.remove("r1", "a", true);
    await expect(authorizeWatcher(s.h.verifier, s.ctx(own), "r1", "a")).rejects.toMatchObject({ reason: "token_revoked" });
  });
});

describe("requireWatchGrant", () => {
  const t = (identity: string, grants: ClaimGrants): VerifiedToken => ({ apiKey: API_KEY, identity, grants, expiresAt: T0 + 60 });
  const outcome = (token: VerifiedToken, room: string, identity: string): string => {
    try {
      requireWatchGrant(token, token.grants.video, room, identity);
      return "ok";
    } catch (err) {
      return `${(err as { reason: string }).reason} ${(err as { grant: string }).grant}`;
    }
  };

  it("admits the room's admin for anyone in the room and the participant with roomJoin for itself", () => {
    expect(outcome(t("boss", { video: { roomAdmin: true, room: "r1" } }), "r1", "a")).toBe("ok");
    expect(outcome(t("a", { video: { roomJoin: true, room: "r1" } }), "r1", "a")).toBe("ok");
    expect(outcome(t("a", { video: { roomJoin: true, room: "r1" } }), "r1", "b")).toBe("grant_missing roomAdmin");
    expect(outcome(t("a", { video: { roomJoin: true, room: "r2" } }), "r1", "a")).toBe("grant_missing roomAdmin");
    expect(outcome(t("a", { video: { room: "r1", canSubscribe: true } }), "r1", "a")).toBe("grant_missing roomJoin");
    expect(outcome(t("boss", { video: { roomAdmin: true, room: "r2" } }), "r1", "a")).toBe("grant_missing roomAdmin");
  });

  it("judges the grant it is given, so a later check sees what holds then", () => {
    const token = t("a", { video: { roomJoin: true, room: "r1" } });
    expect(() => requireWatchGrant(token, { room: "r1" }, "r1", "a")).toThrow(expect.objectContaining({ reason: "grant_missing", grant: "roomJoin" }));
    expect(() => requireWatchGrant(token, undefined, "r1", "a")).toThrow(expect.objectContaining({ reason: "grant_missing" }));
  });
});

describe("requireJoinGrant", () => {
  it("wants roomJoin for exactly that room", () => {
    expect(() => requireJoinGrant({ roomJoin: true, room: "w" }, "w")).not.toThrow();
    for (const video of [{ room: "w", canSubscribe: false }, { roomJoin: true, room: "W" }, { roomAdmin: true, room: "w" }, undefined]) {
      expect(() => requireJoinGrant(video, "w")).toThrow(expect.objectContaining({ reason: "grant_missing", code: "PERMISSION_DENIED", grant: "roomJoin" }));
    }
  });
});
