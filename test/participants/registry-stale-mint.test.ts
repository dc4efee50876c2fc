import { describe, expect, it } from "vitest";
import { toPermission, type ParticipantPermission } from "../../src/core/grants.js";
import { DEFAULT_TOKEN_POLICY, verifyJwt } from "../../src/core/jwt.js";
import { createMemoryParticipantStore } from "../../src/participants/memory-store.js";
import type { ParticipantStore } from "../../src/participants/store.js";
import { applyUpdate } from "../../src/participants/update-rules.js";
import { harness, joinGrants, joinToken, T0_MS } from "./fixtures.js";

const subscribeOnly: ParticipantPermission = {
  canSubscribe: true, canPublish: false, canPublishData: false, canPublishSources: [], hidden: false,
  recorder: false, canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
};

/**
 * A memory store whose next `method` call runs `during` after the store did its work and before it
 * answers: a change that lands in between. `base` is the store underneath, for changes made from "another process".
 */
function storeWithGap(method: "get" | "update"): { base: ParticipantStore; store: ParticipantStore; arm: (during: () => Promise<void>) => void } {
  const base = createMemoryParticipantStore();
  const inner = base[method] as (...args: unknown[]) => Promise<unknown>;
  let pending: (() => Promise<void>) | undefined;
  const store = {
    ...base,
    async [method](...args: unknown[]) {
      const res = await inner.apply(base, args);
      const during = pending;
      pending = undefined;
      if (during) await during();
      return res;
    },
  } as ParticipantStore;
  return { base, store, arm: (during) => (pending = during) };
}

describe("registry: a token minted from a record read before an admin update", () => {
  it("is covered by that update even when minted in a later second (RefreshToken)", async () => {
    const { store, arm } = storeWithGap("get");
    const h = await harness({ store });
    const t = joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: true } }));
    await h.registry.join(t);
    h.clock.advance(2000);
    // The refresh reads the record, then the admin narrows it and the second turns before the token is signed.
    arm(async () => {
      await h.registry.update("r1", "a", { permission: subscribeOnly });
      h.clock.advance(1000);
    });
    const { token } = await h.registry.refresh("r1", "a");
    expect((await h.verifier.verify(token.token)).effectiveVideo?.canPublish).toBe(false);
    // Nor does it start a later session with what the update took away.
    await h.registry.remove("r1", "a", false);
    h.clock.advance(5000);
    const verified = verifyJwt(token.token, (k) => h.keys.current().get(k), h.clock.nowMs(), DEFAULT_TOKEN_POLICY);
    expect((await h.registry.join(verified)).participant.video.canPublish).toBe(false);
  });

  it("is covered by that update even when minted in a later second (a watch's first token)", async () => {
    const { store, arm } = storeWithGap("get");
    const h = await harness({ store });
    const t = joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: true } }));
    await h.registry.join(t);
    h.clock.advance(2000);
    arm(async () => {
      await h.registry.update("r1", "a", { permission: subscribeOnly });
      h.clock.advance(1000);
    });
    const tokens: string[] = [];
    const stop = await h.registry.watch("r1", "a", (e) => {
      if (e.token) tokens.push(e.token.token);
    });
    stop();
    expect(tokens.length).toBeGreaterThan(0);
    for (const tok of tokens) expect((await h.verifier.verify(tok)).effectiveVideo?.canPublish).toBe(false);
  });

  it("is covered by a later update that lands, from another process, between the earlier update's write and its token (pushed token)", async () => {
    const { base, store, arm } = storeWithGap("update");
    const h = await harness({ store });
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: false } })));
    const tokens: string[] = [];
    const stop = await h.registry.watch("r1", "a", (e) => {
      if (e.token) tokens.push(e.token.token);
    });
    h.clock.advance(2000);
    // The promotion is stored; before its token is signed, another process demotes (same second) and the second turns.
    arm(async () => {
      const cur = (await base.get("r1", "a"))!;
      const res = await base.update(applyUpdate(cur, { permission: subscribeOnly }, h.clock.nowMs()), cur.version);
      if (res.status !== "ok") throw new Error("demotion not stored");
      await h.events.publish({ cause: "updated", participant: res.record });
      h.clock.advance(1000);
    });
    await h.registry.update("r1", "a", { permission: toPermission({ canPublish: true }) });
    stop();
    expect(tokens.length).toBeGreaterThan(1);
    for (const tok of tokens.slice(1)) expect((await h.verifier.verify(tok)).effectiveVideo?.canPublish).toBe(false);
    // A refresh asked now mints from the demoted record: nothing to cap.
    expect((await h.verifier.verify((await h.registry.refresh("r1", "a")).token.token)).effectiveVideo?.canPublish).toBe(false);
  });
});

describe("registry: an admin update after the clock stepped back", () => {
  it("still covers the tokens handed out before the step", async () => {
    const h = await harness();
    h.clock.advance(10_000);
    const { token } = await h.registry.join(joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: "r1", canPublish: true } })));
    h.clock.set(T0_MS);
    await h.registry.update("r1", "a", { permission: subscribeOnly });
    expect((await h.verifier.verify(token.token)).effectiveVideo?.canPublish).toBe(false);
  });
});
