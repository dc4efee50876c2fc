import { AccessToken, RoomAgentDispatch, RoomConfiguration, TokenVerifier, TrackSource } from "livekit-server-sdk";
import { describe, expect, it } from "vitest";
import { nowSeconds, systemClock } from "../../src/core/clock.js";
import type { ClaimGrants } from "../../src/core/grants.js";
import { createHmacKey } from "../../src/core/hmac-key.js";
import { verifyJwt } from "../../src/core/jwt.js";
import { mintToken } from "../../src/core/minting.js";
import { forgeJwt } from "./forge.js";
import { failure, keyLookup } from "./support.js";

// The SDK reads the wall clock when it signs and verifies, so these tests do too (systemClock, never a sleep).
const API_KEY = "APIinterop";
const SECRET = "interop-secret-that-is-32-bytes!";
const key = createHmacKey(API_KEY, SECRET);
const keys = keyLookup({ [API_KEY]: SECRET });
const sdkVerifier = new TokenVerifier(API_KEY, SECRET);

const everyClaim: ClaimGrants = {
  identity: "alice",
  name: "Alice",
  kind: "agent",
  kindDetails: ["cloud_agent", "forwarded"],
  video: {
    roomCreate: true, roomList: true, roomRecord: true, roomAdmin: true, roomJoin: true, room: "myroom",
    canPublish: true, canSubscribe: false, canPublishData: false,
    canPublishSources: ["camera", "microphone", "screen_share", "screen_share_audio"],
    canUpdateOwnMetadata: true, ingressAdmin: true, hidden: true, recorder: true, agent: true,
    canSubscribeMetrics: false, canManageAgentSession: false, destinationRoom: "overflow",
  },
  sip: { admin: true, call: true },
  agent: { admin: true, simulationAdmin: true, databaseAdmin: true },
  inference: { perform: true },
  observability: { write: true },
  metadata: '{"seat":3}',
  attributes: { role: "host", lang: "en" },
  sha256: "CoEQz1chqJ9bnZRcORddjplkvpjmPujmLTR42DbefYI=",
  roomPreset: "webinar",
  roomConfig: { name: "myroom", maxParticipants: 10, emptyTimeout: 300, agents: [{ agentName: "helper", metadata: "{}" }], tags: { team: "a" } },
};

describe("roomgate tokens verify with livekit-server-sdk's TokenVerifier", () => {
  it("carries every claim through, camelCase, lowercase sources, kind as a string", async () => {
    const now = nowSeconds(systemClock);
    const minted = mintToken(key, { grants: everyClaim, ttlSeconds: 600 }, now);
    const { identity, ...claims } = everyClaim;
    expect(await sdkVerifier.verify(minted.token)).toStrictEqual({
      iss: API_KEY, sub: identity, exp: now + 600, nbf: now, iat: now, ...claims,
    });
  });

  it("keeps explicit tri-state false and leaves unset ones out", async () => {
    const now = nowSeconds(systemClock);
    const allFalse = { canPublish: false, canSubscribe: false, canPublishData: false, canUpdateOwnMetadata: false, canSubscribeMetrics: false, canManageAgentSession: false };
    const explicit = mintToken(key, { grants: { identity: "bob", video: { roomJoin: true, room: "r", ...allFalse } } }, now);
    expect((await sdkVerifier.verify(explicit.token)).video).toStrictEqual({ roomJoin: true, room: "r", ...allFalse });
    const unset = mintToken(key, { grants: { identity: "bob", video: { roomJoin: true, room: "r", hidden: false } } }, now);
    expect((await sdkVerifier.verify(unset.token)).video).toStrictEqual({ roomJoin: true, room: "r" });
  });

  it("seed command: a 1 h join token verifies and spans exactly 3600 s", async () => {
    const minted = mintToken(key, { grants: { identity: "seed-user", video: { roomJoin: true, room: "seed-room" } }, ttlSeconds: 3600 }, nowSeconds(systemClock));
    const claims = await sdkVerifier.verify(minted.token);
    expect(claims.sub).toBe("seed-user");
    expect(claims.video).toStrictEqual({ roomJoin: true, room: "seed-room" });
    expect(claims.exp! - claims.nbf!).toBe(3600);
  });

  it("is refused by the SDK with another secret or another key name", async () => {
    const minted = mintToken(key, { grants: { video: { roomList: true } } }, nowSeconds(systemClock));
    await expect(new TokenVerifier(API_KEY, "another-secret-that-is-32-bytes!").verify(minted.token)).rejects.toMatchObject({ code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
    await expect(new TokenVerifier("APIother", SECRET).verify(minted.token)).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "iss" });
  });

  it("meets the SDK's 10 s leeway, narrower than roomgate's 60 s", async () => {
    const now = nowSeconds(systemClock);
    const early = mintToken(key, { grants: { video: { roomList: true } }, notBefore: now + 30 }, now);
    await expect(sdkVerifier.verify(early.token)).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "nbf" });
    expect(verifyJwt(early.token, keys, systemClock.nowMs()).notBefore).toBe(now + 30);
  });
});

describe("livekit-server-sdk AccessToken tokens verify with roomgate", () => {
  const roomConfig = new RoomConfiguration({ name: "myroom", maxParticipants: 5, agents: [new RoomAgentDispatch({ agentName: "helper" })] });

  async function sdkToken(): Promise<string> {
    const at = new AccessToken(API_KEY, SECRET, { identity: "sdk-user", name: "SDK User", metadata: '{"a":1}', attributes: { role: "host" }, ttl: "10m" });
    at.addGrant({
      roomCreate: true, roomJoin: true, roomList: true, roomRecord: true, roomAdmin: true, room: "myroom",
      ingressAdmin: true, canPublish: false,
      canPublishSources: [TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO],
      canSubscribe: false, canPublishData: true, canUpdateOwnMetadata: true, hidden: true, recorder: true, agent: true,
      canSubscribeMetrics: false, canManageAgentSession: true, destinationRoom: "overflow",
    });
    at.addSIPGrant({ admin: true, call: true });
    at.addInferenceGrant({ perform: true });
    at.addObservabilityGrant({ write: true });
    at.kind = "sip";
    at.sha256 = "CoEQz1chqJ9bnZRcORddjplkvpjmPujmLTR42DbefYI=";
    at.roomPreset = "webinar";
    at.roomConfig = roomConfig;
    return at.toJwt();
  }

  it("gives the same grants, with sources as lowercase names", async () => {
    const token = await sdkToken();
    const verified = verifyJwt(token, keys, systemClock.nowMs());
    expect(verified.apiKey).toBe(API_KEY);
    expect(verified.identity).toBe("sdk-user");
    expect(verified.grants).toStrictEqual({
      identity: "sdk-user",
      name: "SDK User",
      metadata: '{"a":1}',
      attributes: { role: "host" },
      kind: "sip",
      sha256: "CoEQz1chqJ9bnZRcORddjplkvpjmPujmLTR42DbefYI=",
      roomPreset: "webinar",
      video: {
        roomCreate: true, roomJoin: true, roomList: true, roomRecord: true, roomAdmin: true, room: "myroom",
        ingressAdmin: true, canPublish: false, canPublishSources: ["camera", "microphone", "screen_share", "screen_share_audio"],
        canSubscribe: false, canPublishData: true, canUpdateOwnMetadata: true, hidden: true, recorder: true, agent: true,
        canSubscribeMetrics: false, canManageAgentSession: true, destinationRoom: "overflow",
      },
      sip: { admin: true, call: true },
      inference: { perform: true },
      observability: { write: true },
      roomConfig: JSON.parse(JSON.stringify(roomConfig)) as unknown,
    });
  });

  it("passes the SDK's roomConfig through as written, default values included", async () => {
    const { roomConfig: decoded } = verifyJwt(await sdkToken(), keys, systemClock.nowMs()).grants;
    expect(decoded).toMatchObject({ departureTimeout: 0, syncStreams: false, metadata: "", agents: [{ agentName: "helper", restartPolicy: "JRP_ON_FAILURE", deployment: "" }] });
  });

  it("has the SDK's shape: no iat, a 10 min window, nbf at signing time", async () => {
    const before = nowSeconds(systemClock);
    const verified = verifyJwt(await sdkToken(), keys, systemClock.nowMs());
    expect(verified.issuedAt).toBeUndefined();
    expect(verified.expiresAt - verified.notBefore!).toBe(600);
    expect(verified.notBefore).toBeGreaterThanOrEqual(before);
  });

  it("re-minted by roomgate, verifies with the SDK again with the same claims", async () => {
    const first = verifyJwt(await sdkToken(), keys, systemClock.nowMs());
    const now = nowSeconds(systemClock);
    const again = mintToken(key, { grants: first.grants, ttlSeconds: 600 }, now);
    const { identity, ...claims } = first.grants;
    expect(await sdkVerifier.verify(again.token)).toStrictEqual({ iss: API_KEY, sub: identity, exp: now + 600, nbf: now, iat: now, ...claims });
  });

  it("accepts an SDK service token without identity", async () => {
    const at = new AccessToken(API_KEY, SECRET, { ttl: 60 });
    at.addGrant({ roomCreate: true });
    const verified = verifyJwt(await at.toJwt(), keys, systemClock.nowMs());
    expect([verified.identity, verified.grants]).toStrictEqual(["", { video: { roomCreate: true } }]);
  });

  it("refuses an SDK token signed for another key as unknown_key", async () => {
    const at = new AccessToken("APIelsewhere", SECRET, { identity: "x" });
    at.addGrant({ roomList: true });
    const token = await at.toJwt();
    expect(failure(() => verifyJwt(token, keys, systemClock.nowMs())).reason).toBe("token_unknown_key");
  });
});

describe("where the SDK and roomgate differ on purpose", () => {
  it("the SDK verifier accepts HS512 for a raw secret; roomgate refuses it", async () => {
    const now = nowSeconds(systemClock);
    const hs512 = forgeJwt({ alg: "HS512" }, { iss: API_KEY, sub: "x", exp: now + 60, nbf: now }, SECRET, "sha512");
    expect((await sdkVerifier.verify(hs512)).sub).toBe("x");
    expect(failure(() => verifyJwt(hs512, keys, systemClock.nowMs())).reason).toBe("token_algorithm_not_allowed");
  });

  it("both refuse a token without exp", async () => {
    const now = nowSeconds(systemClock);
    const noExp = forgeJwt({ alg: "HS256" }, { iss: API_KEY, sub: "x", nbf: now }, SECRET);
    await expect(sdkVerifier.verify(noExp)).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "exp" });
    expect(failure(() => verifyJwt(noExp, keys, systemClock.nowMs())).reason).toBe("token_missing_expiry");
  });
});
