import { toPermission } from "../../../src/core/grants.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { createRawClient, REDIS_DEFAULTS, type RawClient, type RedisSettings } from "../../../src/participants/redis/connection.js";
import { createRedisParticipantStore } from "../../../src/participants/redis/store.js";
import { prepareRedis } from "../../../src/participants/redis/instance.js";
import { hasRedisServer, startTestRedis, type TestRedis } from "../../support/redis-server.js";
import { ISSUED, record, T0_MS } from "../fixtures.js";
import { describeStoreContract } from "../store-contract.js";

let redis: TestRedis;
const settings = (): RedisSettings => ({ ...REDIS_DEFAULTS, url: redis.url });
const clients: RawClient[] = [];

async function openClient(): Promise<RawClient> {
  const c = createRawClient(settings(), "rg-test", silentLogger);
  clients.push(c);
  await c.connect();
  return c;
}

describe.skipIf(!hasRedisServer)("redis store", () => {
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const c of clients) if (c.isOpen) c.destroy();
    await redis?.stop();
  });

  describeStoreContract("redis store", async () => {
    await redis.command("FLUSHALL");
    const client = await openClient();
    await prepareRedis(client, settings(), silentLogger);
    const store = createRedisParticipantStore({ client, settings: settings(), instanceId: "t1" });
    return {
      store,
      cleanup: async () => {
        await store.close();
        client.destroy();
      },
    };
  });
});

describe.skipIf(!hasRedisServer)("redis store: layout, scripts and checks", () => {
  let client: RawClient;
  beforeAll(async () => {
    redis = await startTestRedis();
    client = await openClient();
  });
  afterAll(async () => {
    for (const c of clients) if (c.isOpen) c.destroy();
    await redis?.stop();
  });
  const fresh = async () => {
    await redis.command("FLUSHALL");
    await prepareRedis(client, settings(), silentLogger);
    return createRedisParticipantStore({ client, settings: settings(), instanceId: "t1" });
  };

  it("writes the fixed schema-1 layout: a schema key, explicit hash fields, a watermark hash without TTL", async () => {
    const store = await fresh();
    await store.join(record("a:b", { attributes: { k: "v" } }), ISSUED);
    await store.remove("r1", "a:b", { nowMs: T0_MS + 1, revokeThroughSec: 77 });
    expect(await redis.command("GET", "roomgate:schema")).toBe("1");
    const hash = (await redis.command("HGETALL", "roomgate:p:r1:a%3Ab")) as string[];
    const fields = hash.filter((_, i) => i % 2 === 0).sort();
    expect(fields).toEqual(["admin", "attrs", "identity", "join_exp", "joined_ms", "kind", "meta", "name", "room", "state", "updated_ms", "v", "video"]);
    expect(await redis.command("HGET", "roomgate:p:r1:a%3Ab", "attrs")).toBe('{"k":"v"}');
    expect(await redis.command("HGET", "roomgate:revoked", "r1:a%3Ab")).toBe("77");
    expect(await redis.command("TTL", "roomgate:revoked")).toBe(-1);
    expect(await redis.command("TTL", "roomgate:p:r1:a%3Ab")).toBe(-1);
  });

  it("stamps an admin permission with Redis TIME in the write that sets it, returns it, reads it back, and keeps it on a rejoin", async () => {
    const store = await fresh();
    const v1 = await store.join(record("a"), ISSUED);
    const before = Number(((await redis.command("TIME")) as string[])[0]);
    const perm = toPermission({ ...v1.video, canPublish: false });
    // The registry's own second (1) is replaced by Redis's clock, the one every instance shares.
    const res = await store.update({ ...v1, video: { ...v1.video, canPublish: false }, adminPermission: { permission: perm, atSec: 1 } }, 1);
    const [ap, at] = (await redis.command("HMGET", "roomgate:p:r1:a", "ap", "ap_at")) as string[];
    expect(ap).toBe("1,0,0,0,0,0,0,0,0|");
    expect(Number(at)).toBeGreaterThanOrEqual(before);
    expect(Number(at)).toBeLessThanOrEqual(before + 5);
    expect(res).toMatchObject({ status: "ok", record: { adminPermission: { permission: perm, atSec: Number(at) } } });
    expect((await store.get("r1", "a"))?.adminPermission).toEqual({ permission: perm, atSec: Number(at) });
    // A later write that carries the same decision does not restamp it.
    await store.update({ ...v1, metadata: "x", video: { ...v1.video, canPublish: false }, adminPermission: { permission: perm, atSec: Number(at) }, version: 2 }, 2);
    await store.join(record("a"), ISSUED);
    expect(await redis.command("HMGET", "roomgate:p:r1:a", "ap", "ap_at")).toEqual([ap, at]);
    expect(await redis.command("HGET", "roomgate:admin", "r1:a")).toBe("1");
    const live = await store.loadLiveState();
    expect(live).toContainEqual(expect.objectContaining({ room: "r1", identity: "a", permission: perm, permissionAtSec: Number(at) }));
  });

  it("counts active participants across rooms for the participants_active gauge", async () => {
    const store = await fresh();
    expect(await store.countActive!()).toBe(0);
    await store.join(record("a"), ISSUED);
    await store.join(record("b"), ISSUED);
    await store.join(record("c", { room: "r2" }), ISSUED);
    await store.remove("r1", "b", { nowMs: T0_MS });
    expect(await store.countActive!()).toBe(2);
  });

  it("removes only a participant in the room: a removed or unknown one changes nothing, its watermark included", async () => {
    const store = await fresh();
    await store.join(record("a"), ISSUED);
    const removed = await store.remove("r1", "a", { nowMs: T0_MS, revokeThroughSec: 40 });
    expect(removed?.record).toMatchObject({ state: "removed", version: 2 });
    expect(await store.remove("r1", "a", { nowMs: T0_MS, revokeThroughSec: 90 })).toBeUndefined();
    expect(await store.remove("r1", "nobody", { nowMs: T0_MS, revokeThroughSec: 90 })).toBeUndefined();
    expect(await store.revokedThrough("r1", "a")).toBe(40);
    expect(await store.revokedThrough("r1", "nobody")).toBeUndefined();
    expect((await store.get("r1", "a"))?.version).toBe(2);
  });

  it("refuses keys written by a newer layout version", async () => {
    await redis.command("FLUSHALL");
    await redis.command("SET", "roomgate:schema", "2");
    await expect(prepareRedis(client, settings(), silentLogger)).rejects.toThrow(/layout version 2; this roomgate reads version 1/);
  });

  it("refuses an eviction policy that can drop watermarks, and warns when AOF is off", async () => {
    await redis.command("FLUSHALL");
    await redis.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    try {
      await expect(prepareRedis(client, settings(), silentLogger)).rejects.toThrow(/maxmemory-policy is allkeys-lru.*noeviction/);
    } finally {
      await redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
    }
    await redis.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru");
    await redis.command("CONFIG", "SET", "appendonly", "no");
    const warnings: string[] = [];
    try {
      await prepareRedis(client, settings(), { ...silentLogger, warn: (m: string) => void warnings.push(m) });
    } finally {
      await redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
      await redis.command("CONFIG", "SET", "appendonly", "yes");
    }
    expect(warnings).toEqual([expect.stringMatching(/without AOF/)]);
  });

  it("applies concurrent joins and removals of one participant from two clients without surfacing contention", async () => {
    const store = await fresh();
    const other = createRedisParticipantStore({ client: await openClient(), settings: settings(), instanceId: "t2" });
    await Promise.all(Array.from({ length: 40 }, (_, i) => ((i % 2 ? store : other).join(record("a", { metadata: `m${i}` }), ISSUED))));
    expect((await store.get("r1", "a"))!.version).toBe(40);
    // One removal wins; the other finds the participant gone and changes nothing (contract: only an active one is removed).
    const results = await Promise.all([store.remove("r1", "a", { nowMs: T0_MS }), other.remove("r1", "a", { nowMs: T0_MS })]);
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect((await store.get("r1", "a"))!).toMatchObject({ state: "removed", version: 41 });
  });

  it("closes the join-versus-revocation race: after a revoking removal returns, no older token's join stays active", async () => {
    const store = await fresh();
    const other = createRedisParticipantStore({ client: await openClient(), settings: settings(), instanceId: "t2" });
    for (let round = 0; round < 20; round++) {
      const identity = `p${round}`;
      await store.join(record(identity), ISSUED);
      const joins = Array.from({ length: 5 }, () => other.join(record(identity), ISSUED).catch((e: { reason?: string }) => e.reason));
      await store.remove("r1", identity, { nowMs: T0_MS, revokeThroughSec: ISSUED });
      await Promise.all(joins);
      // The removal is one script; a join before it is removed by it, a join after it is refused.
      const r = await store.get("r1", identity);
      if (r!.state === "active") throw new Error(`round ${round}: a join with a revoked token stayed active`);
      await expect(other.join(record(identity), ISSUED)).rejects.toMatchObject({ reason: "token_revoked" });
    }
  });

  it("fails calls within the timeout with store_unavailable on a hung server, and works again after it resumes", async () => {
    const store = await fresh();
    await store.join(record("a"), ISSUED);
    const short = createRedisParticipantStore({ client, settings: { ...settings(), timeoutMs: 300 }, instanceId: "t1" });
    redis.pause();
    try {
      const started = Date.now();
      await expect(short.get("r1", "a")).rejects.toMatchObject({ reason: "store_unavailable", code: "UNAVAILABLE" });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      redis.resume();
    }
    await vi.waitFor(async () => expect((await short.get("r1", "a"))!.version).toBe(1), { timeout: 10_000, interval: 100 });
  });

  it("starts no new attempt of a join once its caller was told store_unavailable", async () => {
    const store = await fresh();
    const v = await store.join(record("a"), ISSUED);
    const otherClient = createRawClient(settings(), "rg-other", silentLogger);
    clients.push(otherClient);
    await otherClient.connect();
    const other = createRedisParticipantStore({ client: otherClient, settings: { ...settings(), timeoutMs: 5000 }, instanceId: "t2" });
    const short = createRedisParticipantStore({ client: await openClient(), settings: { ...settings(), timeoutMs: 300 }, instanceId: "t1" });
    // Scripts wait while writes are paused; reads go on. The other instance's update is queued first, so the
    // join's write, queued behind it, conflicts when the pause ends, after the join's caller has given up.
    await redis.command("CLIENT", "PAUSE", "2000", "WRITE");
    const update = other.update({ ...v, metadata: "from-other" }, v.version);
    // The other instance's script has reached Redis (and waits there) before the join starts.
    await vi.waitFor(async () => expect(String(await redis.command("CLIENT", "LIST"))).toMatch(/name=rg-other .*cmd=eval/), { timeout: 1500, interval: 10 });
    await expect(short.join({ ...record("a"), metadata: "late-join" }, ISSUED)).rejects.toMatchObject({ reason: "store_unavailable" });
    expect(await update).toMatchObject({ status: "ok" });
    // Time for a retry the old loop would have made: the join never lands.
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.get("r1", "a")).toMatchObject({ metadata: "from-other", version: 2 });
  });

  it("keeps acknowledged updates and revocations across a SIGKILL and restart (AOF)", async () => {
    const store = await fresh();
    let v = await store.join(record("a"), ISSUED);
    for (let i = 0; i < 10; i++) {
      const res = await store.update({ ...v, metadata: `m${i}` }, v.version);
      if (res.status !== "ok") throw new Error(res.status);
      v = res.record;
    }
    await store.revoke("r1", "leaked", 999);
    await redis.kill();
    await expect(store.get("r1", "a")).rejects.toMatchObject({ reason: "store_unavailable" });
    await redis.restart();
    await vi.waitFor(async () => expect(await store.get("r1", "a")).toEqual(v), { timeout: 10_000, interval: 100 });
    expect(await store.revokedThrough("r1", "leaked")).toBe(999);
  });
});
