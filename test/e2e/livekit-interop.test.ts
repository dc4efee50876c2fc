import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessToken, TokenVerifier, TrackSource } from "livekit-server-sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { TrackSource as PbTrackSource } from "../../gen/roomgate/v1/grants_pb.js";
import { Grant } from "../../gen/roomgate/v1/token_service_pb.js";
import { startDeployment } from "../support/deployment.js";
import { API_KEY, API_SECRET, CLIENT_CREDENTIAL, type TestServer } from "../support/token-server.js";

// livekit-server-sdk checks against the wall clock, so this server runs on it too.
let s: TestServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-interop-"));
  s = await startDeployment(dir, {}, systemClock);
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

it("a token from CreateToken verifies in livekit-server-sdk with the same grants", async () => {
  const res = await s.client.tokens.createToken({
    apiKey: API_KEY,
    ttl: { seconds: 3600n },
    claims: {
      identity: "alice", name: "Alice", metadata: "{\"a\":1}", attributes: { team: "blue" },
      video: { roomJoin: true, room: "myroom", canPublish: true, canSubscribe: false, canPublishSources: [PbTrackSource.CAMERA, PbTrackSource.SCREEN_SHARE_AUDIO] },
      sip: { admin: true, call: true },
    },
  }, { credential: CLIENT_CREDENTIAL });
  const claims = await new TokenVerifier(API_KEY, API_SECRET).verify(res.token);
  expect(claims.sub).toBe("alice");
  expect(claims.exp! - claims.nbf!).toBe(3600);
  expect(claims.video).toEqual({ roomJoin: true, room: "myroom", canPublish: true, canSubscribe: false, canPublishSources: ["camera", "screen_share_audio"] });
  expect(claims.sip).toEqual({ admin: true, call: true });
  expect(claims.attributes).toEqual({ team: "blue" });
  expect([claims.name, claims.metadata]).toEqual(["Alice", "{\"a\":1}"]);
});

it("a token from livekit-server-sdk verifies in VerifyToken with the same grants", async () => {
  const at = new AccessToken(API_KEY, API_SECRET, { identity: "bob", name: "Bob", metadata: "m", attributes: { k: "v" }, ttl: "10m" });
  at.addGrant({ roomJoin: true, room: "myroom", canPublish: false, canPublishData: true, canPublishSources: [TrackSource.MICROPHONE], hidden: true });
  at.addSIPGrant({ call: true });
  at.kind = "agent";
  const res = await s.client.tokens.verifyToken({
    token: await at.toJwt(), require: [Grant.ROOM_JOIN, Grant.SIP_CALL, Grant.CAN_PUBLISH_DATA], room: "myroom",
  });
  expect(res.apiKey).toBe(API_KEY);
  expect(res.claims?.identity).toBe("bob");
  expect(res.claims?.kind).toBe(5);
  expect(res.claims?.video?.canPublish).toBe(false);
  expect(res.claims?.video?.canPublishData).toBe(true);
  expect(res.claims?.video?.canSubscribe).toBeUndefined();
  expect(res.claims?.video?.canPublishSources).toEqual([PbTrackSource.MICROPHONE]);
  expect(res.claims?.video?.hidden).toBe(true);
  expect(res.claims?.sip?.call).toBe(true);
  expect(res.claims?.attributes).toEqual({ k: "v" });
  expect(Number(res.expiresAt!.seconds - res.notBefore!.seconds)).toBe(600);
});
