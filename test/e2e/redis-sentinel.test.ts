import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.js";
import { EventCause } from "../../gen/roomgate/v1/participant_service_pb.js";
import { decodeRecord, participantField, redisKeys } from "../../src/participants/redis/codec.js";
import { REDIS_DEFAULTS } from "../../src/participants/redis/connection.js";
import { grpcOutcome, participantCalls } from "../support/participant-calls.js";
import { healthOf, instanceAdminToken as admin, instanceJoinToken as joinToken, startRedisInstance } from "../support/redis-instances.js";
import { freePort, hasRedisServer, startTestRedis, startTestSentinel, type TestRedis, type TestSentinel } from "../support/redis-server.js";
import type { TestServer } from "../support/token-server.js";

const MASTER = "rgmaster";
// A failover takes seconds (down-after-milliseconds 1000, then an election and a promotion); a loaded machine takes longer.
const FAILOVER = { timeout: 25_000, interval: 50 };
const PS = "roomgate.v1.ParticipantService";
const { SERVING, NOT_SERVING } = HealthCheckResponse_ServingStatus;
const keys = redisKeys(REDIS_DEFAULTS.keyPrefix);

interface Topology {
  primary: TestRedis;
  replica: TestRedis;
  sentinel: TestSentinel;
}

describe.skipIf(!hasRedisServer)("instances that find the primary through Sentinel", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  // A primary, a replica in sync with it, and one sentinel that has seen the replica (a failover needs one).
  const topology = async (): Promise<Topology> => {
    const primary = await startTestRedis();
    cleanups.push(() => primary.stop());
    const replica = await startTestRedis({ extra: ["--replicaof", "127.0.0.1", String(primary.port)] });
    cleanups.push(() => replica.stop());
    await vi.waitFor(async () => expect(String(await replica.command("INFO", "replication"))).toContain("master_link_status:up"), FAILOVER);
    const sentinel = await startTestSentinel({ master: MASTER, primaryPort: primary.port, failoverTimeoutMs: 3000 });
    cleanups.push(() => sentinel.stop());
    await vi.waitFor(async () => expect(JSON.stringify(await sentinel.command("SENTINEL", "REPLICAS", MASTER))).toContain(`"${replica.port}"`), FAILOVER);
    return { primary, replica, sentinel };
  };
  // The URL carries no address: only the master name, as the configuration requires with Sentinel.
  const instance = async (sentinels: string[]): Promise<TestServer> => {
    const s = await startRedisInstance({ url: `redis://${MASTER}` }, {
      sentinel: { master: MASTER, sentinels: sentinels.map((a) => ({ host: "127.0.0.1", port: Number(a.split(":")[1]) })) },
    });
    cleanups.push(() => s.close());
    return s;
  };
  const callsOf = (s: TestServer) => participantCalls(s.participantClient, s.tokenClient);
  const roomgateConnections = async (r: TestRedis): Promise<number> =>
    String(await r.command("CLIENT", "LIST")).split("\n").filter((l) => / name=rg-/.test(l)).length;
  const recordOn = async (r: TestRedis, identity: string) => decodeRecord((await r.command("HGETALL", keys.participant("r", identity))) as string[]);

  it("finds the primary, follows a SENTINEL FAILOVER by itself: writes land on the new primary, a watcher on another instance keeps getting events, VerifyToken keeps refusing revoked tokens", async () => {
    const { primary, replica, sentinel } = await topology();
    const a = await instance([sentinel.address]);
    // A sentinel that is down, listed first, is skipped.
    const b = await instance([`127.0.0.1:${await freePort()}`, sentinel.address]);
    const token = joinToken("alice");
    const bob = joinToken("bob");
    await callsOf(a).join(token);
    await callsOf(a).join(bob);
    expect(await roomgateConnections(primary)).toBe(4);
    expect(await recordOn(primary, "alice")).toMatchObject({ identity: "alice", version: 1 });
    const watch = callsOf(b).watch("r", "alice", token);
    expect(await watch.next()).toMatchObject({ cause: EventCause.REFRESHED, participant: { version: 1n } });

    await sentinel.command("SENTINEL", "FAILOVER", MASTER);
    await vi.waitFor(async () => expect(await sentinel.primary()).toBe(`127.0.0.1:${replica.port}`), FAILOVER);
    // Every connection of both instances (store and event reader) moves without a restart.
    await vi.waitFor(async () => expect(await roomgateConnections(replica)).toBe(4), FAILOVER);
    for (const s of [a, b]) await vi.waitFor(async () => expect(await healthOf(s, PS)).toBe(SERVING), FAILOVER);

    await vi.waitFor(async () => expect(await grpcOutcome(callsOf(a).update({ room: "r", identity: "alice", metadata: "after" }, admin()))).toEqual({ code: grpc.status.OK }), FAILOVER);
    expect(await recordOn(replica, "alice")).toMatchObject({ metadata: "after", version: 2 });
    let ev = await watch.next(10_000);
    while (ev.participant!.version < 2n) ev = await watch.next(10_000);
    expect(ev).toMatchObject({ participant: { metadata: "after", version: 2n } });
    expect(await grpcOutcome(callsOf(b).verify({ token: ev.token }))).toEqual({ code: grpc.status.OK });
    watch.cancel();

    await callsOf(a).remove("r", "bob", true, admin());
    await vi.waitFor(async () => expect(await grpcOutcome(callsOf(b).verify({ token: bob }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" }), FAILOVER);
    expect(await replica.command("HEXISTS", keys.revoked, participantField("r", "bob"))).toBe(1);
  });

  it("starts while Sentinel still names a primary that is down: fails fast with store_unavailable, then serves once Sentinel has promoted the replica", async () => {
    const { primary, replica, sentinel } = await topology();
    await primary.kill();
    const c = await instance([sentinel.address]);
    expect(await healthOf(c, PS)).toBe(NOT_SERVING);
    const token = joinToken("carl");
    const t0 = Date.now();
    expect(await grpcOutcome(callsOf(c).join(token))).toEqual({ code: grpc.status.UNAVAILABLE, reason: "store_unavailable" });
    expect(Date.now() - t0).toBeLessThan(2000);
    await vi.waitFor(async () => expect(await sentinel.primary()).toBe(`127.0.0.1:${replica.port}`), FAILOVER);
    await vi.waitFor(async () => expect(await healthOf(c, PS)).toBe(SERVING), FAILOVER);
    expect((await callsOf(c).join(token)).participant?.version).toBe(1n);
    expect(await recordOn(replica, "carl")).toMatchObject({ identity: "carl", version: 1 });
  });

  it("re-asserts a revocation the old primary acknowledged but the promoted replica never received: the token stays refused, also by an instance started afterwards", async () => {
    const { primary, replica, sentinel } = await topology();
    const a = await instance([sentinel.address]);
    const leaked = joinToken("dora");
    await callsOf(a).join(leaked);
    await vi.waitFor(async () => expect(await recordOn(replica, "dora")).toMatchObject({ version: 1 }), FAILOVER);
    // Cut replication so that the next write exists on the old primary alone, then lose that primary.
    replica.pause();
    try {
      await primary.command("CLIENT", "KILL", "TYPE", "replica");
      await callsOf(a).remove("r", "dora", true, admin());
      await primary.kill();
    } finally {
      replica.resume();
    }
    expect(await recordOn(replica, "dora")).toMatchObject({ version: 1, state: "active" });
    await vi.waitFor(async () => expect(await sentinel.primary()).toBe(`127.0.0.1:${replica.port}`), FAILOVER);
    // The new primary's stream ends before the instance's cursor: it resyncs and writes back the watermark it knew.
    await vi.waitFor(async () => expect(await replica.command("HEXISTS", keys.revoked, participantField("r", "dora"))).toBe(1), FAILOVER);
    const fresh = await instance([sentinel.address]);
    await vi.waitFor(async () => expect(await healthOf(fresh, PS)).toBe(SERVING), FAILOVER);
    expect(await grpcOutcome(callsOf(fresh).verify({ token: leaked }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
    expect(await grpcOutcome(callsOf(a).verify({ token: leaked }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
  });
});
