import { describe, expect, it } from "vitest";
import { nowSeconds } from "../../src/core/clock.js";
import type { ClaimGrants } from "../../src/core/grants.js";
import { mintToken } from "../../src/core/minting.js";
import { createKeyRing } from "../../src/core/keys.js";
import { harness, joinGrants, joinToken, T0_MS } from "../participants/fixtures.js";

const T0 = T0_MS / 1000;

async function setup() {
  const h = await harness();
  const sign = (grants: ClaimGrants, ttl = 3600) => mintToken(h.keys.current().defaultKey, { grants, ttlSeconds: ttl }, nowSeconds(h.clock)).token;
  return { h, sign };
}

describe("token verifier: recheck of a token already verified", () => {
  it("refuses it once expired, with the 60 s leeway, at exactly expiredAtMs", async () => {
    const { h, sign } = await setup();
    const { token } = await h.verifier.verify(sign({ identity: "boss", video: { roomAdmin: true, room: "r1" } }, 120));
    expect(h.verifier.expiredAtMs(token)).toBe((T0 + 180) * 1000);
    h.clock.set((T0 + 180) * 1000 - 1);
    await expect(h.verifier.recheck(token)).resolves.toMatchObject({ token });
    h.clock.set((T0 + 180) * 1000);
    await expect(h.verifier.recheck(token)).rejects.toMatchObject({ reason: "token_expired", code: "UNAUTHENTICATED" });
  });

  it("refuses it once its identity is revoked in its room", async () => {
    const { h, sign } = await setup();
    const { token } = await h.verifier.verify(sign({ identity: "boss", video: { roomAdmin: true, room: "r1" } }));
    await h.registry.remove("r1", "boss", true);
    await expect(h.verifier.recheck(token)).rejects.toMatchObject({ reason: "token_revoked", code: "UNAUTHENTICATED" });
  });

  it("applies a live permission update to the effective grant", async () => {
    const { h } = await setup();
    const t = joinToken(h.keys, h.clock, joinGrants("a"));
    await h.registry.join(t);
    expect((await h.verifier.recheck(t)).effectiveVideo?.canPublish).toBeUndefined();
    await h.registry.update("r1", "a", {
      permission: {
        canSubscribe: true, canPublish: false, canPublishData: false, canPublishSources: [], hidden: false, recorder: false,
        canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
      },
    });
    expect((await h.verifier.recheck(t)).effectiveVideo).toMatchObject({ roomJoin: true, room: "r1", canPublish: false, canSubscribe: true });
  });

  it("refuses it once its key is no longer configured", async () => {
    const { h, sign } = await setup();
    const { token } = await h.verifier.verify(sign({ identity: "boss", video: { roomAdmin: true, room: "r1" } }));
    h.keys.replace(createKeyRing(new Map([["APIother", "another-secret-that-is-also-32-bytes-or-more"]])));
    await expect(h.verifier.recheck(token)).rejects.toMatchObject({ reason: "token_unknown_key" });
  });
});
