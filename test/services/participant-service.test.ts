import { create } from "@bufbuild/protobuf";
import { describe, expect, it, vi } from "vitest";
import { nowSeconds } from "../../src/core/clock.js";
import type { ClaimGrants } from "../../src/core/grants.js";
import { mintToken } from "../../src/core/minting.js";
import { DEFAULT_PARTICIPANT_SETTINGS } from "../../src/config/server-config.js";
import { createParticipantService } from "../../src/services/participant-service.js";
import { createExpirySweep } from "../../src/services/watch-expiry.js";
import type { CallContext } from "../../src/transport/call-context.js";
import { ParticipantPermissionSchema, ParticipantKind, TrackSource } from "../../gen/roomgate/v1/grants_pb.js";
import {
  EventCause, JoinRoomRequestSchema, ParticipantState, RefreshTokenRequestSchema, UpdateParticipantRequestSchema,
  WatchParticipantRequestSchema, type WatchParticipantResponse,
} from "../../gen/roomgate/v1/participant_service_pb.js";
import { harness, joinGrants, type Harness, T0_MS } from "../participants/fixtures.js";

const T0 = T0_MS / 1000;
const MAX_QUEUED_EVENTS = DEFAULT_PARTICIPANT_SETTINGS.watchBuffer;

async function setup() {
  const h = await harness();
  const svc = createParticipantService({
    registry: h.registry, verifier: h.verifier, expiry: createExpirySweep(h.clock, h.timers), watchBuffer: h.settings.watchBuffer,
  });
  const sign = (grants: ClaimGrants, ttl = 3600) => mintToken(h.keys.current().defaultKey, { grants, ttlSeconds: ttl }, nowSeconds(h.clock)).token;
  const ctx = (credential?: string, signal = new AbortController().signal): CallContext => (credential ? { credential, signal } : { signal });
  const admin = sign({ identity: "admin", video: { roomAdmin: true, room: "r1" } });
  const join = async (identity: string, extra: Partial<ClaimGrants> = {}) => {
    const token = sign(joinGrants(identity, extra));
    return { token, res: await svc.joinRoom(create(JoinRoomRequestSchema, { token }), ctx()) };
  };
  return { h, svc, sign, ctx, admin, join };
}

async function take(it: AsyncIterator<WatchParticipantResponse>, n: number): Promise<WatchParticipantResponse[]> {
  const out: WatchParticipantResponse[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("ParticipantService: caller checks come before NOT_FOUND", () => {
  it.each([
    ["no credential", (_: Harness, s: Awaited<ReturnType<typeof setup>>) => s.ctx(), "caller_unauthenticated", "UNAUTHENTICATED"],
    ["a malformed token", (_: Harness, s: Awaited<ReturnType<typeof setup>>) => s.ctx("not-a-jwt"), "token_malformed", "UNAUTHENTICATED"],
    ["an expired token", (h: Harness, s: Awaited<ReturnType<typeof setup>>) => {
      const t = s.sign({ identity: "admin", video: { roomAdmin: true, room: "r1" } }, 10);
      h.clock.advance(120_000);
      return s.ctx(t);
    }, "token_expired", "UNAUTHENTICATED"],
    ["a join-only token", (_: Harness, s: Awaited<ReturnType<typeof setup>>) => s.ctx(s.sign(joinGrants("x"))), "grant_missing", "PERMISSION_DENIED"],
    ["an admin of another room", (_: Harness, s: Awaited<ReturnType<typeof setup>>) => s.ctx(s.sign({ identity: "a", video: { roomAdmin: true, room: "r2" } })), "grant_missing", "PERMISSION_DENIED"],
  ])("answers %s with its reason on every admin method", async (_name, makeCtx, reason, code) => {
    const s = await setup();
    const c = makeCtx(s.h, s);
    const calls = [
      s.svc.getParticipant({ $typeName: "roomgate.v1.GetParticipantRequest", room: "r1", identity: "ghost" }, c),
      s.svc.listParticipants({ $typeName: "roomgate.v1.ListParticipantsRequest", room: "r1" }, c),
      s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "ghost", revokeTokens: true }, c),
      s.svc.updateParticipant(create(UpdateParticipantRequestSchema, { room: "r1", identity: "ghost", name: "x".repeat(1000) }), c),
      s.svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "ghost" }), c)[Symbol.asyncIterator]().next(),
    ];
    for (const call of calls) await expect(call).rejects.toMatchObject({ reason, code });
  });

  it("answers NOT_FOUND to an admin asking about an unknown participant", async () => {
    const s = await setup();
    await expect(s.svc.getParticipant({ $typeName: "roomgate.v1.GetParticipantRequest", room: "r1", identity: "ghost" }, s.ctx(s.admin)))
      .rejects.toMatchObject({ reason: "participant_not_found", code: "NOT_FOUND" });
  });
});

describe("ParticipantService: operations", () => {
  it("joins, updates with a replacing permission, lists, gets and removes", async () => {
    const s = await setup();
    const { res } = await s.join("a", { kind: "agent", attributes: { k: "v" } });
    expect(res.participant).toMatchObject({ room: "r1", identity: "a", kind: ParticipantKind.AGENT, state: ParticipantState.ACTIVE, version: 1n });
    expect(res.expiresAt?.seconds).toBe(BigInt(T0 + 3600));

    const upd = await s.svc.updateParticipant(create(UpdateParticipantRequestSchema, {
      room: "r1", identity: "a", metadata: "m",
      permission: create(ParticipantPermissionSchema, { canSubscribe: true, canPublishSources: [TrackSource.MICROPHONE], canPublish: true }),
    }), s.ctx(s.admin));
    expect(upd.participant?.permission).toMatchObject({ canPublish: true, canPublishData: false, canSubscribe: true, canPublishSources: [TrackSource.MICROPHONE] });
    expect(upd.participant?.metadata).toBe("m");
    expect(upd.participant?.version).toBe(2n);

    const list = await s.svc.listParticipants({ $typeName: "roomgate.v1.ListParticipantsRequest", room: "r1" }, s.ctx(s.admin));
    expect(list.participants.map((p) => p.identity)).toEqual(["a"]);
    const { res: plain } = await s.join("b");
    expect(plain.participant?.kind).toBe(ParticipantKind.STANDARD);
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "a", revokeTokens: false }, s.ctx(s.admin));
    const got = await s.svc.getParticipant({ $typeName: "roomgate.v1.GetParticipantRequest", room: "r1", identity: "a" }, s.ctx(s.admin));
    expect(got.participant?.state).toBe(ParticipantState.REMOVED);
  });

  it("refuses a rejoin with a revoked token, and refreshes only active participants", async () => {
    const s = await setup();
    const { token } = await s.join("a");
    const refreshed = await s.svc.refreshToken(create(RefreshTokenRequestSchema, { token }), s.ctx());
    expect(refreshed.expiresAt?.seconds).toBe(BigInt(T0 + 3600));
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "a", revokeTokens: true }, s.ctx(s.admin));
    await expect(s.svc.joinRoom(create(JoinRoomRequestSchema, { token }), s.ctx())).rejects.toMatchObject({ reason: "token_revoked" });
    s.h.clock.advance(1000);
    const fresh = s.sign(joinGrants("a"));
    await expect(s.svc.refreshToken(create(RefreshTokenRequestSchema, { token: fresh }), s.ctx())).rejects.toMatchObject({ reason: "participant_not_found" });
    await expect(s.svc.joinRoom(create(JoinRoomRequestSchema, { token: "" }), s.ctx())).rejects.toMatchObject({ reason: "token_malformed" });
  });

  it("streams to the participant itself and ends after removal", async () => {
    const s = await setup();
    const { token } = await s.join("a");
    const stream = s.svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), s.ctx(token))[Symbol.asyncIterator]();
    const first = await take(stream, 1);
    expect(first.map((r) => [r.cause, r.token !== ""])).toEqual([[EventCause.REFRESHED, true]]);
    await s.svc.updateParticipant(create(UpdateParticipantRequestSchema, { room: "r1", identity: "a", name: "new" }), s.ctx(s.admin));
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "a", revokeTokens: false }, s.ctx(s.admin));
    const rest = await take(stream, 5);
    expect(rest.map((r) => [r.cause, r.participant?.name, r.token])).toEqual([
      [EventCause.UPDATED, "new", expect.stringMatching(/^eyJ/)],
      [EventCause.REMOVED, "new", ""],
    ]);
  });

  it("refuses another participant's token for a watch, and ends the stream when the call is cancelled", async () => {
    const s = await setup();
    await s.join("a");
    const { token: other } = await s.join("b");
    await expect(s.svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), s.ctx(other))[Symbol.asyncIterator]().next())
      .rejects.toMatchObject({ reason: "grant_missing" });
    const ac = new AbortController();
    const stream = s.svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), s.ctx(s.admin, ac.signal))[Symbol.asyncIterator]();
    await take(stream, 1);
    const pending = stream.next();
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    const current = vi.spyOn(s.h.keys, "current");
    await s.h.timers.advance(s.h.settings.refreshIntervalSeconds * 1000);
    expect(current).not.toHaveBeenCalled();
  });
});

describe("ParticipantService: revoking an identity that never joined", () => {
  it("succeeds with revoke_tokens and refuses the leaked token; without it stays NOT_FOUND", async () => {
    const s = await setup();
    const leaked = s.sign(joinGrants("never"));
    const remove = (revokeTokens: boolean) =>
      s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "never", revokeTokens }, s.ctx(s.admin));
    await expect(remove(false)).rejects.toMatchObject({ reason: "participant_not_found", code: "NOT_FOUND" });
    await expect(remove(true)).resolves.toBeDefined();
    await expect(s.svc.joinRoom(create(JoinRoomRequestSchema, { token: leaked }), s.ctx())).rejects.toMatchObject({ reason: "token_revoked" });
    await expect(s.svc.getParticipant({ $typeName: "roomgate.v1.GetParticipantRequest", room: "r1", identity: "never" }, s.ctx(s.admin)))
      .rejects.toMatchObject({ reason: "participant_not_found" });
  });
});

describe("ParticipantService: kinds", () => {
  it("shows an unknown kind as STANDARD and a known one in any case, like the refreshed token", async () => {
    const s = await setup();
    expect((await s.join("a", { kind: "robot" })).res.participant?.kind).toBe(ParticipantKind.STANDARD);
    expect((await s.join("b", { kind: "Agent" })).res.participant?.kind).toBe(ParticipantKind.AGENT);
    expect((await s.join("c", { kind: "SIP" })).res.participant?.kind).toBe(ParticipantKind.SIP);
  });
});

describe("ParticipantService: unknown track sources", () => {
  it("shows a token's unknown source as TRACK_SOURCE_UNKNOWN and keeps its string in refreshed tokens", async () => {
    const s = await setup();
    const { token, res } = await s.join("a", { video: { roomJoin: true, room: "r1", canPublishSources: ["hologram", "microphone"] } });
    expect(res.participant?.permission?.canPublishSources).toEqual([TrackSource.UNKNOWN, TrackSource.MICROPHONE]);
    expect(JSON.parse(Buffer.from(res.token.split(".")[1]!, "base64url").toString()).video.canPublishSources).toEqual(["hologram", "microphone"]);
    const refreshed = await s.svc.refreshToken(create(RefreshTokenRequestSchema, { token }), s.ctx());
    expect(JSON.parse(Buffer.from(refreshed.token.split(".")[1]!, "base64url").toString()).video.canPublishSources).toEqual(["hologram", "microphone"]);
    // An admin sending the participant's permission back unchanged (UNKNOWN included) changes nothing.
    const same = await s.svc.updateParticipant(create(UpdateParticipantRequestSchema, { room: "r1", identity: "a", permission: res.participant!.permission! }), s.ctx(s.admin));
    expect(same.participant?.permission?.canPublishSources).toEqual([TrackSource.UNKNOWN, TrackSource.MICROPHONE]);
    const narrowed = await s.svc.updateParticipant(create(UpdateParticipantRequestSchema, { room: "r1", identity: "a", permission: { canPublish: true, canPublishSources: [TrackSource.UNKNOWN] } }), s.ctx(s.admin));
    expect(narrowed.participant?.permission?.canPublishSources).toEqual([TrackSource.UNKNOWN]);
    expect((await s.h.registry.get("r1", "a")).video.canPublishSources).toEqual(["hologram"]);
  });
});

describe("ParticipantService: watch queue bound", () => {
  it("keeps only the newest events for a reader that does not consume, and still ends with removed", async () => {
    const s = await setup();
    await s.join("a");
    const stream = s.svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), s.ctx(s.admin))[Symbol.asyncIterator]();
    expect((await take(stream, 1)).map((r) => r.participant?.version)).toEqual([1n]);
    const updates = MAX_QUEUED_EVENTS + 8;
    for (let i = 0; i < updates; i++) {
      await s.svc.updateParticipant(create(UpdateParticipantRequestSchema, { room: "r1", identity: "a", metadata: `m${i}` }), s.ctx(s.admin));
    }
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "a", revokeTokens: false }, s.ctx(s.admin));
    const rest = await take(stream, updates + 5);
    const last = BigInt(updates + 2);
    expect(rest).toHaveLength(MAX_QUEUED_EVENTS);
    expect(rest.map((r) => r.participant?.version)).toEqual(Array.from({ length: MAX_QUEUED_EVENTS }, (_, i) => last - BigInt(MAX_QUEUED_EVENTS - 1 - i)));
    expect(rest.at(-1)?.cause).toBe(EventCause.REMOVED);
    expect(rest.at(-2)?.participant?.metadata).toBe(`m${updates - 1}`);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("never carries the next session's tokens on a stalled stream: nothing is queued after removed", async () => {
    const s = await setup();
    await s.join("a");
    const stream = s.svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), s.ctx(s.admin))[Symbol.asyncIterator]();
    await take(stream, 1);
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "a", revokeTokens: true }, s.ctx(s.admin));
    s.h.clock.advance(1000);
    await s.join("a");
    for (let i = 0; i < MAX_QUEUED_EVENTS + 8; i++) {
      await s.svc.updateParticipant(create(UpdateParticipantRequestSchema, { room: "r1", identity: "a", metadata: `next${i}` }), s.ctx(s.admin));
    }
    const rest = await take(stream, MAX_QUEUED_EVENTS + 16);
    expect(rest.map((r) => r.cause)).toEqual([EventCause.REMOVED]);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("delivers everything to a reader that keeps up", async () => {
    const s = await setup();
    await s.join("a");
    const stream = s.svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), s.ctx(s.admin))[Symbol.asyncIterator]();
    await take(stream, 1);
    const seen: string[] = [];
    for (let i = 0; i < MAX_QUEUED_EVENTS + 8; i++) {
      await s.svc.updateParticipant(create(UpdateParticipantRequestSchema, { room: "r1", identity: "a", metadata: `m${i}` }), s.ctx(s.admin));
      seen.push(...(await take(stream, 1)).map((r) => r.participant!.metadata));
    }
    expect(seen).toEqual(Array.from({ length: MAX_QUEUED_EVENTS + 8 }, (_, i) => `m${i}`));
  });
});

describe("ParticipantService: removing a participant that is not in the room", () => {
  it("answers NOT_FOUND to a second plain removal; with revoke_tokens records the watermark and succeeds without a new version", async () => {
    const s = await setup();
    const { token } = await s.join("a");
    const remove = (revokeTokens: boolean) =>
      s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "a", revokeTokens }, s.ctx(s.admin));
    await remove(false);
    await expect(remove(false)).rejects.toMatchObject({ reason: "participant_not_found", code: "NOT_FOUND" });
    await expect(remove(true)).resolves.toMatchObject({ $typeName: "roomgate.v1.RemoveParticipantResponse" });
    const got = await s.svc.getParticipant({ $typeName: "roomgate.v1.GetParticipantRequest", room: "r1", identity: "a" }, s.ctx(s.admin));
    expect(got.participant).toMatchObject({ state: ParticipantState.REMOVED, version: 2n });
    await expect(s.svc.joinRoom(create(JoinRoomRequestSchema, { token }), s.ctx())).rejects.toMatchObject({ reason: "token_revoked" });
  });
});

describe("ParticipantService: a watch stays authorized while open (contract §9)", () => {
  const watch = (s: Awaited<ReturnType<typeof setup>>, credential: string, signal?: AbortSignal) => {
    const stream = s.svc.watchParticipant(create(WatchParticipantRequestSchema, { room: "r1", identity: "a" }), s.ctx(credential, signal)) as AsyncIterable<WatchParticipantResponse> & { interrupted: AbortSignal };
    return { it: stream[Symbol.asyncIterator](), interrupted: stream.interrupted };
  };
  const update = (s: Awaited<ReturnType<typeof setup>>, metadata: string, by = s.admin) =>
    s.svc.updateParticipant(create(UpdateParticipantRequestSchema, { room: "r1", identity: "a", metadata }), s.ctx(by));

  it("ends with token_revoked the moment the watcher's identity is revoked, before any further event", async () => {
    const s = await setup();
    await s.join("a");
    const w = watch(s, s.admin);
    await take(w.it, 1);
    const other = s.sign({ identity: "other-admin", video: { roomAdmin: true, room: "r1" } });
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "admin", revokeTokens: true }, s.ctx(other));
    // The transport is woken at once, not at the next event.
    expect(w.interrupted.aborted).toBe(true);
    await update(s, "after", other);
    await expect(w.it.next()).rejects.toMatchObject({ reason: "token_revoked", code: "UNAUTHENTICATED" });
    expect(await w.it.next()).toEqual({ done: true, value: undefined });
    expect(s.h.registry.watchStreams).toBe(0);
  });

  it("a transport interrupted before it wrote an event asks again and learns the stream ended, also for a removal", async () => {
    const s = await setup();
    await s.join("a");
    const w = watch(s, s.admin);
    await take(w.it, 1);
    const other = s.sign({ identity: "other-admin", video: { roomAdmin: true, room: "r1" } });
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "a", revokeTokens: false }, s.ctx(other));
    const removal = await w.it.next();
    expect(removal.value?.cause).toBe(EventCause.REMOVED);
    // The watcher's token is revoked before the transport hands the removal over: it withdraws it.
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "admin", revokeTokens: true }, s.ctx(other));
    expect(w.interrupted.aborted).toBe(true);
    await expect(w.it.next()).rejects.toMatchObject({ reason: "token_revoked" });
  });

  it("ends with token_expired at the first sweep after exp plus the leeway", async () => {
    const s = await setup();
    await s.join("a");
    const shortAdmin = s.sign({ identity: "admin", video: { roomAdmin: true, room: "r1" } }, 120);
    const w = watch(s, shortAdmin);
    await take(w.it, 1);
    s.h.clock.set((T0 + 178) * 1000);
    await s.h.timers.advance(1000);
    expect(w.interrupted.aborted).toBe(false);
    await s.h.timers.advance(1000);
    expect(w.interrupted.aborted).toBe(true);
    await expect(w.it.next()).rejects.toMatchObject({ reason: "token_expired", code: "UNAUTHENTICATED" });
    expect(s.h.registry.watchStreams).toBe(0);
  });

  it("checks every event against the watcher's token before handing it over, even before the sweep has run", async () => {
    const s = await setup();
    await s.join("a");
    const shortAdmin = s.sign({ identity: "admin", video: { roomAdmin: true, room: "r1" } }, 120);
    const w = watch(s, shortAdmin);
    await take(w.it, 1);
    // The clock passes the expiry but no timer fires: only the per-event check can stop this update.
    s.h.clock.set((T0 + 180) * 1000);
    await update(s, "late", s.sign({ identity: "admin2", video: { roomAdmin: true, room: "r1" } }));
    await expect(w.it.next()).rejects.toMatchObject({ reason: "token_expired" });
  });

  it("counts open streams against the limits and releases them when a stream ends, however it ends", async () => {
    const s = await setup();
    await s.join("a");
    const ac = new AbortController();
    const a = watch(s, s.admin, ac.signal);
    const b = watch(s, s.admin);
    await take(a.it, 1);
    await take(b.it, 1);
    expect(s.h.registry.watchStreams).toBe(2);
    const pending = a.it.next();
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(s.h.registry.watchStreams).toBe(1);
    await s.svc.removeParticipant({ $typeName: "roomgate.v1.RemoveParticipantRequest", room: "r1", identity: "a", revokeTokens: false }, s.ctx(s.admin));
    expect((await take(b.it, 2)).map((r) => r.cause)).toEqual([EventCause.REMOVED]);
    expect(s.h.registry.watchStreams).toBe(0);
  });

  it("refuses a watcher beyond the per-participant limit with watch_limit, after authorization", async () => {
    const s = await setup();
    await s.join("a");
    const open = [];
    for (let i = 0; i < s.h.settings.maxWatchersPerParticipant; i++) {
      const w = watch(s, s.admin);
      await take(w.it, 1);
      open.push(w);
    }
    await expect(watch(s, s.admin).it.next()).rejects.toMatchObject({ reason: "watch_limit", code: "RESOURCE_EXHAUSTED" });
    // A caller without the grant learns nothing about the limit.
    await expect(watch(s, s.sign(joinGrants("b"))).it.next()).rejects.toMatchObject({ reason: "grant_missing" });
    for (const w of open) await w.it.return?.();
    expect(s.h.registry.watchStreams).toBe(0);
  });

  it("hands every watcher of a version the same response (one token, one encoding)", async () => {
    const s = await setup();
    await s.join("a");
    const w1 = watch(s, s.admin);
    const w2 = watch(s, s.admin);
    const [first1] = await take(w1.it, 1);
    const [first2] = await take(w2.it, 1);
    expect(first2).toBe(first1);
    await update(s, "shared");
    const [u1] = await take(w1.it, 1);
    const [u2] = await take(w2.it, 1);
    expect(u2).toBe(u1);
    expect(u1!.token).not.toBe(first1!.token);
  });
});

describe("ParticipantService: RefreshToken needs roomJoin for the room", () => {
  it("refuses a token of an active participant that lacks roomJoin, with grant_missing", async () => {
    const s = await setup();
    await s.join("a");
    const noJoin = s.sign({ identity: "a", video: { room: "r1", canSubscribe: false } });
    await expect(s.svc.refreshToken(create(RefreshTokenRequestSchema, { token: noJoin }), s.ctx())).rejects.toMatchObject({ reason: "grant_missing", code: "PERMISSION_DENIED" });
  });
});
