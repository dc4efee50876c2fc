import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { nowSeconds } from "../../src/core/clock.js";
import { hashCredential, parseCredentialHash } from "../../src/core/credentials.js";
import type { ClaimGrants } from "../../src/core/grants.js";
import { DEFAULT_MINT_LIMITS, mintToken } from "../../src/core/minting.js";
import { createTokenService } from "../../src/services/token-service.js";
import { ParticipantKind, TrackSource } from "../../gen/roomgate/v1/grants_pb.js";
import { VerifyTokenRequestSchema } from "../../gen/roomgate/v1/token_service_pb.js";
import { harness, joinGrants } from "../participants/fixtures.js";

const CLIENT = "a-client-credential";

async function setup() {
  const h = await harness();
  const svc = createTokenService({
    keys: h.keys, clock: h.clock, verifier: h.verifier, clients: () => [parseCredentialHash("c", hashCredential(CLIENT))],
    mint: DEFAULT_MINT_LIMITS, maxTokenBytes: 64 * 1024,
  });
  const sign = (grants: ClaimGrants) => mintToken(h.keys.current().defaultKey, { grants, ttlSeconds: 3600 }, nowSeconds(h.clock)).token;
  const verify = (token: string) => svc.verifyToken(create(VerifyTokenRequestSchema, { token }), { signal: new AbortController().signal });
  return { h, svc, sign, verify };
}

describe("VerifyToken: kinds and sources as LiveKit reads them", () => {
  it("reads a kind in any case", async () => {
    const s = await setup();
    expect((await s.verify(s.sign({ identity: "g", kind: "SIP" }))).claims?.kind).toBe(ParticipantKind.SIP);
    expect((await s.verify(s.sign({ identity: "g", kind: "Agent" }))).claims?.kind).toBe(ParticipantKind.AGENT);
  });

  it("keeps an unknown source as UNKNOWN in the claims and in effective_video, before and after an admin update", async () => {
    const s = await setup();
    const token = s.sign(joinGrants("a", { video: { roomJoin: true, room: "r1", canPublishSources: ["camera", "hologram"] } }));
    const before = await s.verify(token);
    expect(before.claims?.video?.canPublishSources).toEqual([TrackSource.CAMERA, TrackSource.UNKNOWN]);
    expect(before.effectiveVideo?.canPublishSources).toEqual([TrackSource.CAMERA, TrackSource.UNKNOWN]);
    const { participant } = await s.h.registry.join((await s.h.verifier.verify(token)).token);
    // An admin update that keeps the sources as the participant shows them (UNKNOWN included) keeps the token's string.
    const shown = participant.video.canPublishSources!;
    await s.h.registry.update("r1", "a", { permission: { canSubscribe: true, canPublish: true, canPublishData: false, canPublishSources: shown.map((x) => (x === "camera" ? x : "unknown")), hidden: false, recorder: false, canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false } });
    const after = await s.verify(token);
    expect(after.claims?.video?.canPublishSources).toEqual([TrackSource.CAMERA, TrackSource.UNKNOWN]);
    expect(after.effectiveVideo).toMatchObject({ canPublishData: false, canPublishSources: [TrackSource.CAMERA, TrackSource.UNKNOWN] });
    expect((await s.h.registry.refresh("r1", "a")).token.grants.video?.canPublishSources).toEqual(["camera", "hologram"]);
  });
});
