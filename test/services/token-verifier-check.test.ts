import { describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { DEFAULT_TOKEN_POLICY } from "../../src/core/jwt.js";
import { createKeyProvider, createKeyRing } from "../../src/core/keys.js";
import type { LiveParticipantState } from "../../src/core/live-state.js";
import { createTokenVerifier } from "../../src/services/token-verifier.js";
import { hs256 } from "../support/raw-tokens.js";
import { API_KEY, API_SECRET, T0_MS } from "../support/token-server.js";

const nowSec = T0_MS / 1000;
const token = hs256({ iss: API_KEY, sub: "ann", iat: nowSec - 10, exp: nowSec + 600, video: { roomJoin: true, room: "r", canPublish: true } }, API_SECRET);

function verifier(lookup: (room: string, identity: string) => LiveParticipantState | undefined | Promise<LiveParticipantState | undefined>) {
  return createTokenVerifier({
    keys: createKeyProvider(createKeyRing(new Map([[API_KEY, API_SECRET]]))),
    clock: manualClock(T0_MS),
    policy: DEFAULT_TOKEN_POLICY,
    live: { lookup },
  });
}

describe("TokenVerifier.check", () => {
  it("answers synchronously while the live state is in memory, with the live permission applied", () => {
    const permission = {
      canSubscribe: true, canPublish: false, canPublishData: true, canPublishSources: [], hidden: false, recorder: false,
      canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
    };
    const v = verifier(() => ({ permission }));
    const access = v.check(token);
    expect(access).not.toBeInstanceOf(Promise);
    expect((access as Exclude<typeof access, Promise<unknown>>).effectiveVideo).toMatchObject({ roomJoin: true, room: "r", canPublish: false });
  });

  it("throws synchronously for a revoked token, with the token_revoked reason", () => {
    const v = verifier(() => ({ revokedThrough: nowSec }));
    expect(() => v.check(token)).toThrow(expect.objectContaining({ reason: "token_revoked" }));
  });

  it("returns a promise when the live state view does, with the same verdicts", async () => {
    const v = verifier(async () => ({ revokedThrough: nowSec }));
    const pending = v.check(token);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toMatchObject({ reason: "token_revoked" });
    await expect(verifier(async () => undefined).check(token)).resolves.toMatchObject({ token: { identity: "ann" } });
  });

  it("verify() stays a promise in every case, rejecting instead of throwing", async () => {
    const v = verifier(() => ({ revokedThrough: nowSec }));
    const p = v.verify(token);
    expect(p).toBeInstanceOf(Promise);
    await expect(p).rejects.toMatchObject({ reason: "token_revoked" });
    await expect(v.verify("not-a-token")).rejects.toMatchObject({ reason: "token_malformed" });
  });
});
