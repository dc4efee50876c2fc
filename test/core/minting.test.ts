import { describe, expect, it } from "vitest";
import type { ClaimGrants } from "../../src/core/grants.js";
import { createHmacKey } from "../../src/core/hmac-key.js";
import { decodeJwt, verifyJwt } from "../../src/core/jwt.js";
import { DEFAULT_MINT_LIMITS, mintToken } from "../../src/core/minting.js";
import { failure, keyLookup } from "./support.js";

const SECRET = "minting-secret-that-is-32-bytes!";
const key = createHmacKey("mintkey", SECRET);
const keys = keyLookup({ mintkey: SECRET });
const NOW = 1_700_000_000;
const join: ClaimGrants = { identity: "alice", video: { roomJoin: true, room: "myroom" } };

describe("mintToken", () => {
  it("defaults to LiveKit's 6 h lifetime starting now", () => {
    const m = mintToken(key, { grants: join }, NOW);
    expect(DEFAULT_MINT_LIMITS.defaultTtlSeconds).toBe(6 * 3600);
    expect([m.issuedAt, m.notBefore, m.expiresAt]).toEqual([NOW, NOW, NOW + 6 * 3600]);
    expect(m.apiKey).toBe("mintkey");
  });

  it("always writes iat, nbf and exp, matching what it reports", () => {
    const m = mintToken(key, { grants: { video: { roomList: true } }, ttlSeconds: 60 }, NOW);
    const { registered } = decodeJwt(m.token);
    expect(registered).toStrictEqual({ iss: "mintkey", iat: NOW, nbf: NOW, exp: NOW + 60 });
  });

  it("writes identity only as sub", () => {
    const m = mintToken(key, { grants: join }, NOW);
    const payload = JSON.parse(Buffer.from(m.token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(payload).toStrictEqual({ iss: "mintkey", sub: "alice", exp: NOW + 21600, nbf: NOW, iat: NOW, video: { roomJoin: true, room: "myroom" } });
  });

  it("mints a token that verifies with the same grants", () => {
    const grants: ClaimGrants = {
      identity: "alice", name: "Alice", kind: "standard",
      video: { roomJoin: true, room: "myroom", canPublish: false, canPublishSources: ["camera"] },
      attributes: { seat: "3" },
    };
    const m = mintToken(key, { grants, ttlSeconds: 600 }, NOW);
    expect(verifyJwt(m.token, keys, (NOW + 1) * 1000)).toStrictEqual({
      apiKey: "mintkey", identity: "alice", grants, issuedAt: NOW, notBefore: NOW, expiresAt: NOW + 600,
    });
  });

  it("caps the lifetime at the maximum", () => {
    const m = mintToken(key, { grants: join, ttlSeconds: 7 * 24 * 3600 }, NOW);
    expect(m.expiresAt).toBe(NOW + DEFAULT_MINT_LIMITS.maxTtlSeconds);
    const tight = mintToken(key, { grants: join, ttlSeconds: 7200 }, NOW, { defaultTtlSeconds: 60, maxTtlSeconds: 3600 });
    expect(tight.expiresAt).toBe(NOW + 3600);
  });

  it("uses the limits' default when no ttl is given", () => {
    expect(mintToken(key, { grants: join }, NOW, { defaultTtlSeconds: 300, maxTtlSeconds: 3600 }).expiresAt).toBe(NOW + 300);
  });

  it("drops fractions of a second from the ttl", () => {
    expect(mintToken(key, { grants: join, ttlSeconds: 90.9 }, NOW).expiresAt).toBe(NOW + 90);
  });

  it.each([[-1], [0], [Number.NaN], [Number.POSITIVE_INFINITY]])("refuses ttl %s", (ttl) => {
    const err = failure(() => mintToken(key, { grants: join, ttlSeconds: ttl }, NOW));
    expect([err.reason, err.code, err.field]).toEqual(["invalid_argument", "INVALID_ARGUMENT", "ttl"]);
  });

  it("starts at a requested not-before and counts the ttl from there", () => {
    const m = mintToken(key, { grants: join, ttlSeconds: 600, notBefore: NOW + 60 }, NOW);
    expect([m.issuedAt, m.notBefore, m.expiresAt]).toEqual([NOW, NOW + 60, NOW + 660]);
    expect(failure(() => verifyJwt(m.token, keys, (NOW - 1) * 1000)).reason).toBe("token_not_yet_valid");
  });

  it.each([[-5], [1.5], [Number.MAX_SAFE_INTEGER + 2]])("refuses not-before %s", (nbf) => {
    expect(failure(() => mintToken(key, { grants: join, notBefore: nbf }, NOW)).field).toBe("not_before");
  });

  it("refuses a not-before that leaves the token born expired", () => {
    const err = failure(() => mintToken(key, { grants: join, ttlSeconds: 60, notBefore: NOW - 60 }, NOW));
    expect([err.reason, err.field]).toEqual(["invalid_argument", "not_before"]);
  });

  it("refuses a join grant without identity", () => {
    const err = failure(() => mintToken(key, { grants: { video: { roomJoin: true, room: "r" } } }, NOW));
    expect([err.reason, err.code, err.field]).toEqual(["invalid_argument", "INVALID_ARGUMENT", "claims.identity"]);
  });

  it.each([["roomJoin"], ["roomAdmin"]] as const)("refuses %s without room", (grant) => {
    const err = failure(() => mintToken(key, { grants: { identity: "a", video: { [grant]: true } } }, NOW));
    expect([err.reason, err.field]).toEqual(["invalid_argument", "claims.video.room"]);
  });

  it("mints service tokens without identity", () => {
    const m = mintToken(key, { grants: { video: { roomCreate: true } } }, NOW);
    expect(decodeJwt(m.token).registered.sub).toBeUndefined();
  });
});
