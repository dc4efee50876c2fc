import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_PARTICIPANT_SETTINGS, type ParticipantSettings } from "../../src/config/server-config.js";
import { EventCause, type WatchParticipantResponse } from "../../gen/roomgate/v1/participant_service_pb.js";
import { grpcOutcome, participantCalls, readToEnd, type WatchReader } from "../support/participant-calls.js";
import { rawWatch, zeroWindowSession } from "../support/raw-watch.js";
import { hs256 } from "../support/raw-tokens.js";
import { onEveryInstance, startDeployment, type TestDeployment } from "../support/deployment.js";
import { API_KEY, API_SECRET, T0_MS } from "../support/token-server.js";

// The server's manual clock starts at T0; tests move it by hand, never sleep for it.
const NOW = T0_MS / 1000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Calls = ReturnType<typeof participantCalls>;

/** The deployment, its calls spread over every instance, and `first`: calls to the first instance alone (watch limits are per process). */
async function server(participants: Partial<ParticipantSettings> = {}): Promise<TestDeployment & { calls: Calls; first: Calls }> {
  const dir = mkdtempSync(join(tmpdir(), "roomgate-watch-auth-"));
  const s = await startDeployment(dir, { participants: { ...DEFAULT_PARTICIPANT_SETTINGS, ...participants } });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => s.close());
  const one = s.instances[0]!;
  return { ...s, calls: participantCalls(s.participantClient, s.tokenClient), first: participantCalls(one.participantClient, one.tokenClient) };
}

const sign = (payload: Record<string, unknown>): string => hs256({ iss: API_KEY, iat: NOW, nbf: NOW, exp: NOW + 3600, ...payload }, API_SECRET);
const joinToken = (identity: string, room: string) => sign({ sub: identity, video: { roomJoin: true, room } });
const adminToken = (identity: string, room: string, exp = NOW + 3600) => sign({ sub: identity, exp, video: { roomAdmin: true, room } });

/** Reads events until the stream ends; the stream must end within the wait, and whatever came before is returned. */
async function drainToEnd(w: WatchReader, timeoutMs = 5000): Promise<{ causes: EventCause[]; end: Awaited<ReturnType<WatchReader["ended"]>> }> {
  const causes: EventCause[] = [];
  for (;;) {
    try {
      causes.push((await w.next(timeoutMs)).cause);
    } catch {
      return { causes, end: await w.ended(timeoutMs) };
    }
  }
}

describe("a watch stream is authorized for as long as it is open", () => {
  it("a revoked admin's open watch ends with token_revoked and receives no token after the revocation", async () => {
    const s = await server();
    await s.calls.join(joinToken("alice", "hq"));
    const a = adminToken("admin-a", "hq");
    const b = adminToken("admin-b", "hq");
    const watch = s.calls.watch("hq", "alice", a);
    cleanups.push(() => watch.cancel());
    expect((await watch.next()).cause).toBe(EventCause.REFRESHED);

    await s.calls.remove("hq", "admin-a", true, b);
    await onEveryInstance(s, async (on) => expect(await grpcOutcome(on.verify({ token: a }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" }));
    // The stream ends on the revocation itself, before any further event of alice.
    expect(await watch.ended()).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
    await s.calls.update({ room: "hq", identity: "alice", metadata: "after" }, b);
    expect(await drainToEnd(watch)).toEqual({ causes: [], end: { code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" } });
  });

  it("a participant watching itself is cut off when its own token is revoked", async () => {
    const s = await server();
    const own = joinToken("alice", "hq");
    await s.calls.join(own);
    const watch = s.calls.watch("hq", "alice", own);
    cleanups.push(() => watch.cancel());
    expect((await watch.next()).cause).toBe(EventCause.REFRESHED);
    // Revoking through a later second leaves the participant removed and its token refused.
    await s.calls.remove("hq", "alice", true, adminToken("admin", "hq"));
    const { causes, end } = await drainToEnd(watch);
    // The final removal may or may not come first; no token follows either way.
    expect(causes.every((c) => c === EventCause.REMOVED)).toBe(true);
    expect([grpc.status.OK, grpc.status.UNAUTHENTICATED]).toContain(end.code);
  });

  it("a watch whose caller token expires (exp plus the 60 s leeway) ends with token_expired within seconds, and nothing follows", async () => {
    const s = await server();
    await s.calls.join(joinToken("alice", "hq"));
    const shortLived = adminToken("admin-a", "hq", NOW + 120);
    const watch = s.calls.watch("hq", "alice", shortLived);
    cleanups.push(() => watch.cancel());
    expect((await watch.next()).cause).toBe(EventCause.REFRESHED);

    // Just inside the leeway the stream stays open and still receives changes.
    s.clock.set(T0_MS + 179_000);
    await s.calls.update({ room: "hq", identity: "alice", metadata: "inside" }, adminToken("admin-b", "hq", NOW + 7200));
    const inside = await watch.next();
    expect([inside.cause, inside.participant?.metadata]).toEqual([EventCause.UPDATED, "inside"]);

    s.clock.set(T0_MS + 180_000);
    expect(await watch.ended(5000)).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_expired" });
    await s.calls.update({ room: "hq", identity: "alice", metadata: "late" }, adminToken("admin-b", "hq", NOW + 7200));
    expect(await drainToEnd(watch)).toEqual({ causes: [], end: { code: grpc.status.UNAUTHENTICATED, reason: "token_expired" } });
  });
});

describe("a stalled watcher is cut off too", () => {
  it("a client that stopped reading gets nothing handed over after its token is revoked, then token_revoked", async () => {
    const s = await server();
    await s.calls.join(joinToken("alice", "hq"));
    const a = adminToken("admin-a", "hq");
    const b = adminToken("admin-b", "hq");
    const call = s.client.participants.watchParticipant({ room: "hq", identity: "alice" }, { token: a });
    cleanups.push(() => call.cancel());
    const stream = call[Symbol.asyncIterator]();
    await stream.next();
    // Not read from here on: roomgate/client holds a few events, then stops reading the socket.
    // Large pushes overrun flow control, so most wait on the server while the client does not read.
    let version = 1;
    for (let i = 0; i < 30; i++) version = Number((await s.calls.update({ room: "hq", identity: "alice", metadata: `${i}:${"m".repeat(60_000)}` }, b)).participant?.version);
    await s.calls.remove("hq", "admin-a", true, b);
    for (let i = 0; i < 5; i++) await s.calls.update({ room: "hq", identity: "alice", metadata: `after${i}` }, b);

    const rest: WatchParticipantResponse[] = [];
    expect(await readToEnd(stream, rest)).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
    // What was handed over before the revocation may still arrive; nothing after it does.
    expect(rest.every((m) => Number(m.participant?.version) <= version)).toBe(true);
    expect(rest.some((m) => m.participant?.metadata.startsWith("after"))).toBe(false);
  });
});

describe("RefreshToken and a participant's own watch need roomJoin for the room", () => {
  it("a token of the participant without roomJoin is refused with grant_missing, not exchanged for a join token", async () => {
    const s = await server();
    await s.calls.join(joinToken("alice", "w"));
    const noJoin = sign({ sub: "alice", video: { room: "w", canSubscribe: false } });
    expect(await grpcOutcome(s.calls.refresh(noJoin))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });
    const watch = s.calls.watch("w", "alice", noJoin);
    expect(await watch.ended()).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });
    // An admin-only token of the same identity is no join token either.
    const adminOnly = sign({ sub: "alice", video: { roomAdmin: false, room: "w", canPublish: true } });
    expect(await grpcOutcome(s.calls.refresh(adminOnly))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });
    // The participant's join token still works for both.
    expect((await s.calls.refresh(joinToken("alice", "w"))).token).not.toBe("");
  });
});

describe("watch streams are bounded per participant and per process", () => {
  it("refuses a watcher beyond max_watchers_per_participant with RESOURCE_EXHAUSTED watch_limit, and frees the slot when a stream ends", async () => {
    const s = await server({ maxWatchersPerParticipant: 2 });
    await s.calls.join(joinToken("alice", "hq"));
    await s.calls.join(joinToken("bob", "hq"));
    const admin = adminToken("admin", "hq");
    const first = s.first.watch("hq", "alice", admin);
    const second = s.first.watch("hq", "alice", admin);
    cleanups.push(() => first.cancel(), () => second.cancel());
    await first.next();
    await second.next();
    expect(await s.first.watch("hq", "alice", admin).ended()).toEqual({ code: grpc.status.RESOURCE_EXHAUSTED, reason: "watch_limit" });
    // Another participant has its own allowance.
    const ofBob = s.first.watch("hq", "bob", admin);
    cleanups.push(() => ofBob.cancel());
    expect((await ofBob.next()).cause).toBe(EventCause.REFRESHED);

    first.cancel();
    // The server learns of the cancellation asynchronously; a new watcher gets in once it has.
    const deadline = Date.now() + 5000;
    for (;;) {
      const again = s.first.watch("hq", "alice", admin);
      cleanups.push(() => again.cancel());
      try {
        expect((await again.next()).cause).toBe(EventCause.REFRESHED);
        break;
      } catch (err) {
        expect(await again.ended()).toEqual({ code: grpc.status.RESOURCE_EXHAUSTED, reason: "watch_limit" });
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  it("refuses a stream beyond max_watch_streams, and counts removed participants' streams free again", async () => {
    const s = await server({ maxWatchStreams: 2 });
    const admin = adminToken("admin", "hq");
    for (const id of ["a", "b", "c"]) await s.calls.join(joinToken(id, "hq"));
    const wa = s.first.watch("hq", "a", admin);
    const wb = s.first.watch("hq", "b", admin);
    cleanups.push(() => wa.cancel(), () => wb.cancel());
    await wa.next();
    await wb.next();
    expect(await s.first.watch("hq", "c", admin).ended()).toEqual({ code: grpc.status.RESOURCE_EXHAUSTED, reason: "watch_limit" });
    await s.calls.remove("hq", "a", false, admin);
    expect((await wa.next()).cause).toBe(EventCause.REMOVED);
    expect(await wa.ended()).toEqual({ code: grpc.status.OK });
    const wc = s.first.watch("hq", "c", admin);
    cleanups.push(() => wc.cancel());
    expect((await wc.next()).cause).toBe(EventCause.REFRESHED);
  });
});

describe("stalled streams are bounded by the bytes they hold", () => {
  /** A WatchParticipant call from an HTTP/2 client that announces a zero window and never reads. */
  function stalledWatch(port: number, room: string, identity: string, credential: string) {
    const session = zeroWindowSession(`127.0.0.1:${port}`);
    return { handed: rawWatch(session, room, identity, credential).answered.then((h) => h ?? {}), close: () => session.destroy() };
  }

  it("refuses new watches with watch_limit while unsent bytes fill max_watch_pending_bytes, and admits them once the stalled client is gone", async () => {
    // Each message carries the metadata twice (participant and token): about 350 KB, so two stalled streams fill 500 KB.
    const s = await server({ maxWatchPendingBytes: 500_000 });
    await s.calls.join(sign({ sub: "big", metadata: "m".repeat(150_000), video: { roomJoin: true, room: "hq" } }));
    const admin = adminToken("admin", "hq");
    const stalled = [stalledWatch(s.server.grpcPort, "hq", "big", admin)];
    cleanups.push(() => stalled.forEach((w) => w.close()));
    expect((await stalled[0]!.handed)["grpc-status"]).toBeUndefined();
    // A client that reads is not held against the budget once its message is sent.
    const reader = s.first.watch("hq", "big", admin);
    expect((await reader.next()).cause).toBe(EventCause.REFRESHED);
    reader.cancel();
    // The reader's bytes are released when HTTP/2 reports them sent, which the server may learn just after the client read them.
    const deadline0 = Date.now() + 5000;
    for (;;) {
      const next = stalledWatch(s.server.grpcPort, "hq", "big", admin);
      stalled.push(next);
      if ((await next.handed)["grpc-status"] === undefined) break;
      next.close();
      if (Date.now() > deadline0) throw new Error("a second stalled stream was never admitted");
      await new Promise((r) => setTimeout(r, 50));
    }
    const third = stalledWatch(s.server.grpcPort, "hq", "big", admin);
    stalled.push(third);
    expect((await third.handed)["grpc-status"]).toBe(String(grpc.status.RESOURCE_EXHAUSTED));

    const refused = s.first.watch("hq", "big", admin);
    expect(await refused.ended()).toEqual({ code: grpc.status.RESOURCE_EXHAUSTED, reason: "watch_limit" });
    stalled.forEach((w) => w.close());
    const deadline = Date.now() + 5000;
    for (;;) {
      const again = s.first.watch("hq", "big", admin);
      cleanups.push(() => again.cancel());
      try {
        expect((await again.next()).participant?.metadata.length).toBe(150_000);
        break;
      } catch (err) {
        expect(await again.ended()).toEqual({ code: grpc.status.RESOURCE_EXHAUSTED, reason: "watch_limit" });
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
});
