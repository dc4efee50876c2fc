import { describe, expect, it } from "vitest";
import { DEFAULT_TOKEN_POLICY, decodeJwt, verifyJwt } from "../../src/core/jwt.js";
import { mintRefreshToken, refreshGrants, refreshKind, refreshTtlSeconds } from "../../src/participants/refresh.js";
import { API_KEY, record, testKeys, T0_MS } from "./fixtures.js";

const NOW = T0_MS / 1000;

describe("refreshGrants", () => {
  it("copies LiveKit's fields and always emits kind", () => {
    const r = record("a", {
      name: "Ann", metadata: "m", attributes: { k: "v" }, roomConfig: { name: "r1" }, roomPreset: "p",
      video: { roomJoin: true, room: "r1", canPublish: false },
    });
    expect(refreshGrants(r)).toEqual({
      identity: "a", name: "Ann", kind: "standard", metadata: "m", attributes: { k: "v" },
      video: { roomJoin: true, room: "r1", canPublish: false }, roomConfig: { name: "r1" }, roomPreset: "p",
    });
    expect(refreshGrants(record("b", { kind: "agent" })).kind).toBe("agent");
  });

  it("produces a token without sip, agent, inference, observability, kindDetails or sha256", () => {
    const keys = testKeys();
    const minted = mintRefreshToken(keys.current().defaultKey, record("a"), NOW, 600);
    const payload = JSON.parse(Buffer.from(minted.token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(["exp", "iat", "identity", "iss", "kind", "name", "nbf", "sub", "video"]);
    expect(decodeJwt(minted.token).grants.kind).toBe("standard");
  });
});

describe("refreshed token shape (livekit-auth.md §4.5)", () => {
  it("matches LiveKit's example after {canPublish:false, canSubscribe:true} + metadata", () => {
    const keys = testKeys();
    const r = record("c1", {
      name: "Carol", metadata: "metadata", room: "r", joinExpiresAt: NOW + 100,
      video: {
        roomJoin: true, room: "r", canPublish: false, canSubscribe: true, canPublishData: false,
        canUpdateOwnMetadata: false, canSubscribeMetrics: false, canManageAgentSession: false,
      },
    });
    const minted = mintRefreshToken(keys.current().defaultKey, r, NOW, 600);
    const payload = JSON.parse(Buffer.from(minted.token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    // Key set and values pinned; JSON key order need not match Go's.
    expect(payload).toStrictEqual({
      iss: API_KEY, sub: "c1", exp: NOW + 600, nbf: NOW, iat: NOW, identity: "c1", name: "Carol", kind: "standard",
      video: {
        roomJoin: true, room: "r", canPublish: false, canSubscribe: true, canPublishData: false,
        canUpdateOwnMetadata: false, canSubscribeMetrics: false, canManageAgentSession: false,
      },
      metadata: "metadata",
    });
    expect(decodeJwt(minted.token).registered).toMatchObject({ sub: "c1" });
  });

  it("normalises the kind as Go's kindToProto round trip does: known in any case, else standard", () => {
    expect(["", "standard", "AGENT", "Sip", "egress", "bridge", "connector", "ingress"].map(refreshKind))
      .toEqual(["standard", "standard", "agent", "sip", "egress", "bridge", "connector", "ingress"]);
    expect(refreshKind("robot")).toBe("standard");
    expect(refreshGrants(record("a", { kind: "mystery" })).kind).toBe("standard");
    expect(refreshGrants(record("a", { kind: "Agent" })).kind).toBe("agent");
  });
});

describe("refresh lifetime", () => {
  it("is the minimum ttl when the join token has less time left", () => {
    expect(refreshTtlSeconds(record("a", { joinExpiresAt: NOW + 60 }), NOW, 600)).toBe(600);
    expect(refreshTtlSeconds(record("a", { joinExpiresAt: NOW - 60 }), NOW, 600)).toBe(600);
  });

  it("preserves the join token's expiry when that is later, even beyond the CreateToken cap", () => {
    expect(refreshTtlSeconds(record("a", { joinExpiresAt: NOW + 3 * 86400 }), NOW, 600)).toBe(3 * 86400);
    const minted = mintRefreshToken(testKeys().current().defaultKey, record("a", { joinExpiresAt: NOW + 3 * 86400 }), NOW, 600);
    expect(minted.expiresAt).toBe(NOW + 3 * 86400);
  });

  it("signs with the default key and issues now", () => {
    const keys = testKeys();
    const minted = mintRefreshToken(keys.current().defaultKey, record("a", { joinExpiresAt: NOW + 100 }), NOW, 600);
    const v = verifyJwt(minted.token, (k) => keys.current().get(k), T0_MS, DEFAULT_TOKEN_POLICY);
    expect(v).toMatchObject({ apiKey: API_KEY, identity: "a", issuedAt: NOW, notBefore: NOW, expiresAt: NOW + 600 });
  });

  it("issues after the revocation watermark so a fresh token is never born revoked", () => {
    const minted = mintRefreshToken(testKeys().current().defaultKey, record("a"), NOW, 600, NOW);
    expect(minted.issuedAt).toBe(NOW + 1);
    expect(mintRefreshToken(testKeys().current().defaultKey, record("a"), NOW, 600, NOW - 5).issuedAt).toBe(NOW);
  });
});
