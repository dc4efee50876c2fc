import { toPermission } from "../../../src/core/grants.js";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger, type Logger } from "../../../src/log.js";
import type { ParticipantEvent, RevocationNotice } from "../../../src/participants/events.js";
import { createRawClient, REDIS_DEFAULTS, type RawClient, type RedisSettings } from "../../../src/participants/redis/connection.js";
import { createRedisEvents, GAP_CHECK_INTERVAL_MS } from "../../../src/participants/redis/events.js";
import { prepareRedis } from "../../../src/participants/redis/instance.js";
import { createRedisParticipantStore, type RedisParticipantStore } from "../../../src/participants/redis/store.js";
import { hasRedisServer, startTestRedis, type TestRedis } from "../../support/redis-server.js";
import { ISSUED, record, T0_MS } from "../fixtures.js";

const WAIT = { timeout: 5000, interval: 20 };

describe.skipIf(!hasRedisServer)("redis events: the stream read from each instance's own cursor", () => {
  let redis: TestRedis;
  let settings: RedisSettings;
  const open: RawClient[] = [];
  const stops: Array<() => Promise<void>> = [];
  let writer: RedisParticipantStore;
  let clock = 0;

  const client = async (name: string, blockMs = 0): Promise<RawClient> => {
    const c = createRawClient(settings, name, silentLogger, blockMs);
    open.push(c);
    await c.connect();
    return c;
  };
  const reader = async (instanceId: string, overrides: Partial<RedisSettings> = {}, now = () => clock, log: Logger = silentLogger) => {
    const s = { ...settings, ...overrides };
    const r = await client(`rg-${instanceId}-events`, 1000);
    const store = createRedisParticipantStore({ client: r, settings: s, instanceId });
    const events = createRedisEvents({ reader: r, store, settings: s, instanceId, log, now });
    const all: ParticipantEvent[] = [];
    const revocations: RevocationNotice[] = [];
    events.subscribeAll((e) => all.push(e));
    events.subscribeRevocations((n) => revocations.push(n));
    await events.start();
    stops.push(() => events.stop());
    return { events, all, revocations, readerClient: r };
  };

  beforeAll(async () => {
    redis = await startTestRedis({ aof: false });
    settings = { ...REDIS_DEFAULTS, url: redis.url, timeoutMs: 500, maxStalenessMs: 1000 };
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    clock = 0;
    await redis.command("FLUSHALL");
    const c = await client("rg-writer");
    await prepareRedis(c, settings, silentLogger);
    writer = createRedisParticipantStore({ client: c, settings, instanceId: "writer" });
  });
  afterEach(async () => {
    redis.resume();
    for (const stop of stops.splice(0)) await stop();
    for (const c of open.splice(0)) if (c.isOpen) c.destroy();
  });

  it("delivers other instances' changes in version order, with the cause, the record and the watermark, and no token", async () => {
    const b = await reader("b");
    const seen: ParticipantEvent[] = [];
    b.events.subscribe("r1", "a", (e) => seen.push(e));
    b.events.run();
    let v = await writer.join(record("a"), ISSUED);
    for (let i = 0; i < 20; i++) {
      const res = await writer.update({ ...v, metadata: `m${i}` }, v.version);
      if (res.status !== "ok") throw new Error(res.status);
      v = res.record;
    }
    await writer.remove("r1", "a", { nowMs: T0_MS, revokeThroughSec: 55 });
    await vi.waitFor(() => expect(seen.at(-1)?.cause).toBe("removed"), WAIT);
    const versions = seen.map((e) => e.participant.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(versions.length);
    expect(seen.at(-1)).toEqual({ cause: "removed", participant: expect.objectContaining({ state: "removed", version: 22 }), revokedThrough: 55 });
    expect(seen.every((e) => !("token" in e))).toBe(true);
    expect(b.revocations).toEqual([{ room: "r1", identity: "a", revokedThrough: 55 }]);
    expect(b.all.at(-1)?.participant.version).toBe(22);
  });

  it("skips its own entries (the registry delivered them already) and still sees revocations of identities without a record", async () => {
    const w = await reader("writer");
    w.events.run();
    const other = await reader("other");
    other.events.run();
    await writer.join(record("a"), ISSUED);
    await writer.revoke("r1", "leaked", 9);
    await vi.waitFor(() => expect(other.revocations).toEqual([{ room: "r1", identity: "leaked", revokedThrough: 9 }]), WAIT);
    expect(other.all.map((e) => e.cause)).toEqual(["joined"]);
    expect(w.all).toEqual([]);
    expect(w.revocations).toEqual([]);
  });

  it("resyncs from state when the stream was trimmed past its cursor", async () => {
    const b = await reader("b");
    const seen: ParticipantEvent[] = [];
    b.events.subscribe("r1", "a", (e) => seen.push(e));
    // Changes land and the stream is trimmed before this instance reads again.
    const v = await writer.join(record("a"), ISSUED);
    const perm = toPermission({ ...v.video, canPublish: false });
    await writer.update({ ...v, metadata: "latest", adminPermission: { permission: perm, atSec: ISSUED + 1 }, video: { ...v.video, canPublish: false } }, 1);
    await writer.revoke("r1", "x", 12);
    await redis.command("XTRIM", "roomgate:events", "MAXLEN", "0");
    b.events.run();
    await vi.waitFor(() => expect(seen.at(-1)?.participant).toMatchObject({ metadata: "latest", version: 2 }), WAIT);
    expect(b.revocations).toEqual([{ room: "r1", identity: "x", revokedThrough: 12 }]);
    expect(b.all.map((e) => e.participant.version)).toContain(2);
  });

  it("takes a cursor entry trimmed away with the head (MAXLEN ~ drops whole nodes) for trimming, not for lost data", async () => {
    const errors: string[] = [];
    const log: Logger = { ...silentLogger, error: (msg) => void errors.push(msg) };
    // One entry per stream node, so a trim can end exactly at the reader's cursor.
    await redis.command("CONFIG", "SET", "stream-node-max-entries", "1");
    try {
      const b = await reader("b", {}, () => clock, log);
      b.events.run();
      await writer.revoke("r1", "x", 12);
      await vi.waitFor(() => expect(b.revocations).toEqual([{ room: "r1", identity: "x", revokedThrough: 12 }]), WAIT);
      const readerId = /id=(\d+) [^\n]* name=rg-b-events /.exec(String(await redis.command("CLIENT", "LIST")))![1]!;
      // While the reader is away two entries land and the head is trimmed up to and including its cursor entry.
      await redis.command("CLIENT", "KILL", "ID", readerId);
      await writer.revoke("r1", "y", 13);
      await writer.revoke("r1", "z", 14);
      await redis.command("XTRIM", "roomgate:events", "MAXLEN", "2");
      // A watermark a lost-data write-back would restore: it must stay gone, since nothing was lost.
      await redis.command("HDEL", "roomgate:revoked", "r1:x");
      await vi.waitFor(() => expect(b.revocations.map((n) => n.identity)).toEqual(expect.arrayContaining(["y", "z"])), WAIT);
      clock += GAP_CHECK_INTERVAL_MS + 1;
      await writer.revoke("r1", "after", 15);
      await vi.waitFor(() => expect(b.revocations.map((n) => n.identity)).toContain("after"), WAIT);
      expect(errors).toEqual([]);
      expect(await redis.command("HGET", "roomgate:revoked", "r1:x")).toBeNull();
    } finally {
      await redis.command("CONFIG", "SET", "stream-node-max-entries", "100");
    }
  });

  it("never merges a removal away: a removal and a rejoin read in one batch reach watchers as removed, then joined", async () => {
    const b = await reader("b");
    const seen: ParticipantEvent[] = [];
    b.events.subscribe("r1", "a", (e) => seen.push(e));
    const joined = await writer.join(record("a"), ISSUED);
    await writer.remove("r1", "a", { nowMs: T0_MS });
    await writer.join({ ...record("a"), metadata: "again" }, ISSUED);
    b.events.run();
    await vi.waitFor(() => expect(seen.map((e) => [e.cause, e.participant.version, e.participant.state])).toEqual([
      ["removed", joined.version + 1, "removed"], ["joined", joined.version + 2, "active"],
    ]), WAIT);
    expect(seen[1]!.participant.metadata).toBe("again");
  });

  it("reads a batch again when its records could not be read, so a failed read loses nothing", async () => {
    await redis.command("ACL", "SETUSER", "limited", "on", ">pw", "~*", "&*", "+@all", "-hgetall");
    await redis.command("ACL", "LOG", "RESET");
    const limited = { ...settings, url: redis.url.replace("redis://", "redis://limited:pw@") };
    // The reader reads the records over its own connection, between XREADs.
    const r = createRawClient(limited, "rg-limited-events", silentLogger, 1000);
    open.push(r);
    await r.connect();
    const store = createRedisParticipantStore({ client: r, settings, instanceId: "limited" });
    const events = createRedisEvents({ reader: r, store, settings, instanceId: "limited", log: silentLogger, now: () => clock });
    stops.push(() => events.stop());
    const seen: ParticipantEvent[] = [];
    events.subscribe("r1", "a", (e) => seen.push(e));
    await events.start();
    events.run();
    await writer.join(record("a"), ISSUED);
    await vi.waitFor(async () => expect(String(await redis.command("ACL", "LOG"))).toContain("hgetall"), WAIT);
    expect(seen).toEqual([]);
    await redis.command("ACL", "SETUSER", "limited", "+hgetall");
    await vi.waitFor(() => expect(seen.map((e) => [e.cause, e.participant.version])).toEqual([["joined", 1]]), WAIT);
  });

  it("resumes from its cursor after its connection is killed, losing nothing", async () => {
    const b = await reader("b");
    const seen: ParticipantEvent[] = [];
    b.events.subscribe("r1", "a", (e) => seen.push(e));
    b.events.run();
    let v = await writer.join(record("a"), ISSUED);
    await vi.waitFor(() => expect(seen.length).toBe(1), WAIT);
    await redis.command("CLIENT", "KILL", "SKIPME", "yes", "USER", "default");
    for (let i = 0; i < 3; i++) {
      const res = await vi.waitFor(async () => {
        const r = await writer.update({ ...v, metadata: `m${i}` }, v.version);
        if (r.status !== "ok") throw new Error(r.status);
        return r;
      }, WAIT);
      v = res.record;
    }
    await vi.waitFor(() => expect(seen.at(-1)?.participant.version).toBe(4), WAIT);
  });

  it("is fresh while reads succeed, and stale once a hung server outlasts max staleness", async () => {
    const b = await reader("b");
    b.events.run();
    await vi.waitFor(() => expect(b.events.fresh()).toBe(true), WAIT);
    redis.pause();
    clock += 900;
    expect(b.events.fresh()).toBe(true);
    clock += 2000;
    expect(b.events.fresh()).toBe(false);
  });

  it("with max staleness 0, is fresh only while its blocking read is on a live connection", async () => {
    const b = await reader("b", { maxStalenessMs: 0 }, () => performance.now());
    b.events.run();
    await vi.waitFor(() => expect(b.events.fresh()).toBe(true), WAIT);
    redis.pause();
    try {
      await vi.waitFor(() => expect(b.events.fresh()).toBe(false), WAIT);
    } finally {
      redis.resume();
    }
    await vi.waitFor(() => expect(b.events.fresh()).toBe(true), WAIT);
  });

  it("re-claims the layout after Redis was wiped and writes back the watermarks it learned", async () => {
    const b = await reader("b");
    b.events.run();
    await writer.revoke("r1", "x", 12);
    await vi.waitFor(() => expect(b.revocations).toEqual([{ room: "r1", identity: "x", revokedThrough: 12 }]), WAIT);
    await redis.command("FLUSHALL");
    // Without a reconnect the wipe is found by the periodic check; the layout is claimed again as at start (a fresh random epoch).
    clock += GAP_CHECK_INTERVAL_MS + 1;
    await vi.waitFor(async () => expect(await redis.command("MGET", "roomgate:schema", "roomgate:epoch")).toEqual(["1", expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)]), WAIT);
    // The instance writes back the watermark it knew, so a revoked token's join stays refused.
    await vi.waitFor(async () => expect(await redis.command("HGET", "roomgate:revoked", "r1:x")).toBe("12"), WAIT);
    await expect(writer.join(record("x"), 12)).rejects.toMatchObject({ reason: "token_revoked" });
  });

  it("notices entries a failover lost even when newer entries arrived on the new primary first, and writes back the watermarks it learned", async () => {
    const b = await reader("b");
    b.events.run();
    await writer.join(record("a"), ISSUED);
    await vi.waitFor(() => expect(b.all.map((e) => e.participant.identity)).toEqual(["a"]), WAIT);
    // What the promoted replica has: the stream as it was before the revocation below.
    await redis.command("COPY", "roomgate:events", "replica-stream");
    await writer.revoke("r1", "x", 12);
    await vi.waitFor(() => expect(b.revocations).toEqual([{ room: "r1", identity: "x", revokedThrough: 12 }]), WAIT);
    const readerId = /id=(\d+) [^\n]* name=rg-b-events /.exec(String(await redis.command("CLIENT", "LIST")))![1]!;
    // One step, as Sentinel's reconfiguration is: the reader is disconnected, the data becomes the replica's, and
    // another instance writes there before this reader is back, so the stream's last id is past the reader's cursor.
    const admin = createClient({ url: redis.url, RESP: 2 });
    await admin.connect();
    try {
      await admin.multi()
        .addCommand(["CLIENT", "KILL", "ID", readerId])
        .addCommand(["DEL", "roomgate:events"])
        .addCommand(["RENAME", "replica-stream", "roomgate:events"])
        .addCommand(["HDEL", "roomgate:revoked", "r1:x"])
        .addCommand(["XADD", "roomgate:events", "*", "from", "another-instance"])
        .exec();
    } finally {
      admin.destroy();
    }
    await vi.waitFor(async () => expect(await redis.command("HGET", "roomgate:revoked", "r1:x")).toBe("12"), WAIT);
    await expect(writer.join(record("x"), 12)).rejects.toMatchObject({ reason: "token_revoked" });
  });
});
