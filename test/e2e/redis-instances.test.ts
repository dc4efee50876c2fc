import * as grpc from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.js";
import { EventCause } from "../../gen/roomgate/v1/participant_service_pb.js";
import { Grant } from "../../gen/roomgate/v1/token_service_pb.js";
import { grpcOutcome, participantCalls, twirpCall, twirpOutcome } from "../support/participant-calls.js";
import { healthOf, instanceAdminToken as admin, instanceJoinToken as joinToken, startRedisInstance } from "../support/redis-instances.js";
import { hasRedisServer, startTestRedis, type TestRedis } from "../support/redis-server.js";
import type { TestServer } from "../support/token-server.js";

const WAIT = { timeout: 5000, interval: 25 };

const PS = "roomgate.v1.ParticipantService";
const { SERVING, NOT_SERVING } = HealthCheckResponse_ServingStatus;

describe.skipIf(!hasRedisServer)("two instances on one Redis", () => {
  let redis: TestRedis;
  let a: TestServer;
  let b: TestServer;
  const extra: TestServer[] = [];
  let aClients: Map<string, string>;
  // Connection name → id of every roomgate connection (CLIENT SETNAME rg-<instance>[-events]).
  const roomgateClients = (list: string) =>
    new Map(list.split("\n").flatMap((l) => {
      const name = / name=(rg-\S+)/.exec(l)?.[1];
      return name ? [[name, /id=(\d+)/.exec(l)![1]!] as [string, string]] : [];
    }));
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    await redis.command("FLUSHALL");
    a = await startRedisInstance(redis);
    aClients = roomgateClients(String(await redis.command("CLIENT", "LIST")));
    b = await startRedisInstance(redis);
  });
  afterEach(async () => {
    // A paused server would hang the closes below.
    redis.resume();
    for (const s of [a, b, ...extra.splice(0)]) await s?.close();
  });
  const callsOf = (s: TestServer) => participantCalls(s.participantClient, s.tokenClient);

  it("pushes an update made on A to a watcher on B, with a token carrying the change, in version order", async () => {
    const token = joinToken("alice");
    await callsOf(a).join(token);
    const watch = callsOf(b).watch("r", "alice", token);
    const first = await watch.next();
    expect(first).toMatchObject({ cause: EventCause.REFRESHED, participant: { version: 1n } });
    for (let i = 1; i <= 5; i++) await callsOf(a).update({ room: "r", identity: "alice", metadata: `m${i}` }, admin());
    let last = first;
    while (last.participant!.version < 6n) {
      const next = await watch.next();
      expect(next.cause).toBe(EventCause.UPDATED);
      expect(next.participant!.version).toBeGreaterThan(last.participant!.version);
      last = next;
    }
    expect(last.participant!.metadata).toBe("m5");
    const verified = await callsOf(b).verify({ token: last.token });
    expect(verified.claims?.metadata).toBe("m5");
    watch.cancel();
  });

  it("makes B refuse a token revoked on A within one second, and narrows permissions on B after an update on A", async () => {
    const bobToken = joinToken("bob");
    const carolToken = joinToken("carol");
    await callsOf(b).join(bobToken);
    await callsOf(b).join(carolToken);
    await callsOf(a).update({ room: "r", identity: "carol", permission: { canPublish: false, canSubscribe: true } }, admin());
    await callsOf(a).remove("r", "bob", true, admin());
    const started = Date.now();
    await vi.waitFor(async () => expect(await grpcOutcome(callsOf(b).verify({ token: bobToken }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" }), WAIT);
    expect(Date.now() - started).toBeLessThan(1000);
    await vi.waitFor(async () => expect((await callsOf(b).verify({ token: carolToken })).effectiveVideo?.canPublish).toBe(false), WAIT);
    expect(await grpcOutcome(callsOf(b).verify({ token: carolToken, require: [Grant.CAN_PUBLISH] }))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });
    expect(await grpcOutcome(callsOf(b).join(bobToken))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
    expect(await grpcOutcome(callsOf(b).refresh(bobToken))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
  });

  it("ends B's watch with a final removed event when A removes the participant", async () => {
    const token = joinToken("kim");
    await callsOf(a).join(token);
    const watch = callsOf(b).watch("r", "kim", token);
    await watch.next();
    await callsOf(a).remove("r", "kim", false, admin());
    const last = await watch.next(5000);
    expect(last).toMatchObject({ cause: EventCause.REMOVED, token: "", participant: { version: 2n } });
    expect(await watch.ended(5000)).toEqual({ code: grpc.status.OK });
  });

  it("acknowledges 200 concurrent updates of one participant spread over both instances and loses none", async () => {
    await callsOf(a).join(joinToken("dave"));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => grpcOutcome(callsOf(i % 2 ? a : b).update({ room: "r", identity: "dave", attributes: { [`k${i}`]: "v" } }, admin()))),
    );
    expect(results.filter((r) => r.code !== grpc.status.OK)).toEqual([]);
    const got = (await callsOf(a).get("r", "dave", admin())).participant!;
    expect(got.version).toBe(201n);
    expect(Object.keys(got.attributes).length).toBe(200);
  });

  it("delivers to B's watcher an update written while B's connections were killed", async () => {
    const token = joinToken("erin");
    await callsOf(a).join(token);
    const watch = callsOf(b).watch("r", "erin", token);
    await watch.next();
    const bIds = [...roomgateClients(String(await redis.command("CLIENT", "LIST")))].filter(([name]) => !aClients.has(name)).map(([, id]) => id);
    expect(bIds.length).toBe(2);
    // Only B loses its connections; A's write below must reach B through the stream once B reconnects.
    for (const id of bIds) await redis.command("CLIENT", "KILL", "ID", id);
    await callsOf(a).update({ room: "r", identity: "erin", metadata: "during" }, admin());
    const ev = await watch.next(5000);
    expect(ev).toMatchObject({ cause: EventCause.UPDATED, participant: { metadata: "during", version: 2n } });
    watch.cancel();
  });

  it("on a hung Redis: store calls fail within the timeout, ParticipantService is NOT_SERVING while \"\" stays SERVING, VerifyToken fails closed after max staleness; all recover without restart", async () => {
    const token = joinToken("fay");
    await callsOf(a).join(token);
    expect(await healthOf(a, PS)).toBe(SERVING);
    redis.pause();
    try {
      const t0 = Date.now();
      expect(await grpcOutcome(callsOf(a).get("r", "fay", admin()))).toEqual({ code: grpc.status.UNAVAILABLE, reason: "store_unavailable" });
      expect(Date.now() - t0).toBeLessThan(2000);
      await vi.waitFor(async () => expect(await healthOf(a, PS)).toBe(NOT_SERVING), WAIT);
      expect(await healthOf(a, "")).toBe(SERVING);
      expect(await healthOf(a, "roomgate.v1.TokenService")).toBe(SERVING);
      expect(twirpOutcome(await twirpCall(a.twirpUrl, "roomgate.v1.ParticipantService", "GetParticipant", { room: "r", identity: "fay" }, admin())))
        .toEqual({ status: 503, code: "unavailable", reason: "store_unavailable" });
      await vi.waitFor(async () => expect(await grpcOutcome(callsOf(b).verify({ token }))).toEqual({ code: grpc.status.UNAVAILABLE, reason: "store_unavailable" }), WAIT);
    } finally {
      redis.resume();
    }
    await vi.waitFor(async () => expect(await healthOf(a, PS)).toBe(SERVING), { ...WAIT, timeout: 10_000 });
    await vi.waitFor(async () => expect(await grpcOutcome(callsOf(b).verify({ token }))).toEqual({ code: grpc.status.OK }), { ...WAIT, timeout: 10_000 });
    expect((await callsOf(b).update({ room: "r", identity: "fay", metadata: "back" }, admin())).participant?.version).toBe(2n);
  });

  it("answers VerifyToken from memory within max staleness while Redis is gone", async () => {
    const token = joinToken("gil");
    await callsOf(a).join(token);
    redis.pause();
    try {
      // Within the 1.5 s bound the last known state still answers.
      expect(await grpcOutcome(callsOf(a).verify({ token }))).toEqual({ code: grpc.status.OK });
    } finally {
      redis.resume();
    }
  });

  it("keeps acknowledged updates and revocations across a Redis SIGKILL and restart, and both instances recover", async () => {
    const token = joinToken("hal");
    const leaked = joinToken("ivy");
    await callsOf(a).join(token);
    for (let i = 0; i < 5; i++) await callsOf(b).update({ room: "r", identity: "hal", metadata: `m${i}` }, admin());
    await callsOf(a).remove("r", "ivy", true, admin());
    await redis.kill();
    expect(await grpcOutcome(callsOf(a).get("r", "hal", admin()))).toEqual({ code: grpc.status.UNAVAILABLE, reason: "store_unavailable" });
    await redis.restart();
    for (const s of [a, b]) await vi.waitFor(async () => expect(await healthOf(s, PS)).toBe(SERVING), { ...WAIT, timeout: 10_000 });
    expect((await callsOf(b).get("r", "hal", admin())).participant).toMatchObject({ metadata: "m4", version: 6n });
    expect(await grpcOutcome(callsOf(b).verify({ token: leaked }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
    expect(await grpcOutcome(callsOf(a).join(leaked))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
  });

  it("starts NOT_SERVING while Redis is absent and recovers when it appears", async () => {
    const later = await startTestRedis({ startLater: true });
    try {
      const c = await startRedisInstance(later);
      extra.push(c);
      expect(await healthOf(c, PS)).toBe(NOT_SERVING);
      expect(await healthOf(c, "")).toBe(SERVING);
      const token = joinToken("jo");
      expect(await grpcOutcome(callsOf(c).join(token))).toEqual({ code: grpc.status.UNAVAILABLE, reason: "store_unavailable" });
      expect(await grpcOutcome(callsOf(c).verify({ token }))).toEqual({ code: grpc.status.UNAVAILABLE, reason: "store_unavailable" });
      await later.restart();
      await vi.waitFor(async () => expect(await healthOf(c, PS)).toBe(SERVING), { ...WAIT, timeout: 10_000 });
      expect((await callsOf(c).join(token)).participant?.version).toBe(1n);
      await c.close();
    } finally {
      await later.stop();
    }
  });
});
