import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger, type Logger } from "../../../src/log.js";
import { REDIS_DEFAULTS, type RawClient, type RedisSettings } from "../../../src/participants/redis/connection.js";
import { askSentinels, createPrimaryFollower, urlAt } from "../../../src/participants/redis/sentinel.js";
import { freePort, hasRedisServer, startTestRedis, startTestSentinel, type TestRedis, type TestSentinel } from "../../support/redis-server.js";

const WAIT = { timeout: 15_000, interval: 50 };
const MASTER = "rgmaster";

describe("urlAt", () => {
  it("keeps user, password, database and TLS of the configured URL and swaps in the address Sentinel gave", () => {
    expect(urlAt("rediss://app:s3cret@rgmaster/2", { host: "10.0.0.7", port: 6390 })).toBe("rediss://app:s3cret@10.0.0.7:6390/2");
    expect(urlAt("redis://rgmaster", { host: "::1", port: 7000 })).toBe("redis://[::1]:7000");
  });
});

describe.skipIf(!hasRedisServer)("Sentinel discovery against real processes", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const redis = async (extra: string[] = []): Promise<TestRedis> => {
    const r = await startTestRedis({ aof: false, extra });
    cleanups.push(() => r.stop());
    return r;
  };
  const sentinelFor = async (primary: TestRedis): Promise<TestSentinel> => {
    const s = await startTestSentinel({ master: MASTER, primaryPort: primary.port });
    cleanups.push(() => s.stop());
    return s;
  };
  const settingsFor = (sentinels: string[]): RedisSettings => ({
    ...REDIS_DEFAULTS,
    url: `redis://${MASTER}`,
    timeoutMs: 500,
    sentinel: { master: MASTER, sentinels: sentinels.map((a) => ({ host: "127.0.0.1", port: Number(a.split(":")[1]) })) },
  });
  const follower = (settings: RedisSettings, log: Logger = silentLogger): RawClient => {
    const c = createPrimaryFollower(settings, "rg-follow-test", log);
    cleanups.push(() => c.destroy());
    return c;
  };
  const connectedNames = async (r: TestRedis): Promise<string[]> =>
    String(await r.command("CLIENT", "LIST")).split("\n").flatMap((l) => /name=(rg-\S+)/.exec(l)?.[1] ?? []);

  it("asks every sentinel, skipping one that is down, and says why when none names a primary", async () => {
    const primary = await redis();
    const s = await sentinelFor(primary);
    const dead = await freePort();
    const settings = settingsFor([`127.0.0.1:${dead}`, s.address]).sentinel!;
    expect(await askSentinels(settings, 3000)).toEqual({ primary: { host: "127.0.0.1", port: primary.port } });
    const unknown = await askSentinels({ ...settings, master: "other" }, 3000);
    expect(unknown).toEqual({ problem: expect.stringMatching(new RegExp(`^no sentinel named a primary for "other" \\(127\\.0\\.0\\.1:${dead}: .*; ${s.address} does not monitor "other"\\)$`)) });
  });

  it("takes the answer of the newest configuration epoch, so a sentinel that missed a failover is outvoted even when listed first", async () => {
    const primary = await redis();
    const replica = await redis(["--replicaof", "127.0.0.1", String(primary.port)]);
    await vi.waitFor(async () => expect(String(await replica.command("INFO", "replication"))).toContain("master_link_status:up"), WAIT);
    const s = await sentinelFor(primary);
    // A sentinel cut off from the others: it watches a server of its own under the same name and never hears of the failover.
    const stale = await sentinelFor(await redis());
    await vi.waitFor(async () => expect(JSON.stringify(await s.command("SENTINEL", "REPLICAS", MASTER))).toContain(`"${replica.port}"`), WAIT);
    const settings = settingsFor([stale.address, s.address]).sentinel!;
    // Same epoch: the configured order decides.
    // A generous per-sentinel bound: a sentinel too slow to answer on a loaded machine would simply not be heard.
    expect(await askSentinels(settings, 3000)).toEqual({ primary: { host: "127.0.0.1", port: Number((await stale.primary())!.split(":")[1]) } });
    await s.command("SENTINEL", "FAILOVER", MASTER);
    await vi.waitFor(async () => expect(await s.primary()).toBe(`127.0.0.1:${replica.port}`), WAIT);
    expect(await askSentinels(settings, 3000)).toEqual({ primary: { host: "127.0.0.1", port: replica.port } });
  });

  it("connects to the primary Sentinel names; without one, calls fail at once instead of queueing", async () => {
    const primary = await redis();
    const s = await sentinelFor(primary);
    const offline = follower(settingsFor([`127.0.0.1:${await freePort()}`]));
    void offline.connect().catch(() => undefined);
    expect(offline.isReady).toBe(false);
    await expect(offline.sendCommand(["PING"])).rejects.toThrow("no Redis primary connected");
    const c = follower(settingsFor([s.address]));
    await c.connect();
    expect(c.isReady).toBe(true);
    expect(await c.sendCommand(["SET", "k", "v"])).toBe("OK");
    expect(await primary.command("GET", "k")).toBe("v");
    expect(await connectedNames(primary)).toEqual(["rg-follow-test"]);
  });

  it("closes for good on destroy: connect rejects if no primary was found yet, calls fail, and its connection is closed", async () => {
    const primary = await redis();
    const s = await sentinelFor(primary);
    const never = follower(settingsFor([`127.0.0.1:${await freePort()}`]));
    const pending = never.connect();
    never.destroy();
    await expect(pending).rejects.toThrow("The client is closed");
    const c = follower(settingsFor([s.address]));
    await c.connect();
    c.destroy();
    expect([c.isOpen, c.isReady]).toEqual([false, false]);
    await expect(c.sendCommand(["PING"])).rejects.toThrow("no Redis primary connected");
    await vi.waitFor(async () => expect(await connectedNames(primary)).toEqual([]), WAIT);
  });

  it("drops a connection whose server refuses writes (READONLY), and refuses a server that is not a primary until it is one again", async () => {
    const primary = await redis();
    const other = await redis();
    const s = await sentinelFor(primary);
    const warnings: string[] = [];
    const c = follower(settingsFor([s.address]), { ...silentLogger, warn: (m: string) => void warnings.push(m) });
    await c.connect();
    await primary.command("REPLICAOF", "127.0.0.1", String(other.port));
    await expect(c.sendCommand(["SET", "k", "v"])).rejects.toThrow(/^READONLY/);
    expect(c.isReady).toBe(false);
    await vi.waitFor(() => expect(warnings).toContain(`redis primary unavailable: 127.0.0.1:${primary.port} is a slave, not a primary; asking Sentinel again`), WAIT);
    expect(c.isReady).toBe(false);
    let readies = 0;
    c.on("ready", () => readies++);
    await primary.command("REPLICAOF", "NO", "ONE");
    await vi.waitFor(() => expect(c.isReady).toBe(true), WAIT);
    expect(readies).toBe(1);
    expect(await c.sendCommand(["SET", "k", "v"])).toBe("OK");
  });

  it("moves to the new primary after SENTINEL FAILOVER by asking again while connected, and says so with ready", async () => {
    const primary = await redis();
    const replica = await redis(["--replicaof", "127.0.0.1", String(primary.port)]);
    await vi.waitFor(async () => expect(String(await replica.command("INFO", "replication"))).toContain("master_link_status:up"), WAIT);
    const s = await sentinelFor(primary);
    await vi.waitFor(async () => expect(JSON.stringify(await s.command("SENTINEL", "REPLICAS", MASTER))).toContain(`"${replica.port}"`), WAIT);
    const c = follower(settingsFor([s.address]));
    await c.connect();
    let readies = 0;
    c.on("ready", () => readies++);
    await s.command("SENTINEL", "FAILOVER", MASTER);
    await vi.waitFor(async () => expect(await s.primary()).toBe(`127.0.0.1:${replica.port}`), WAIT);
    await vi.waitFor(() => expect(readies).toBe(1), WAIT);
    expect(await c.sendCommand(["SET", "after", "failover"])).toBe("OK");
    expect(await replica.command("GET", "after")).toBe("failover");
    expect(await connectedNames(replica)).toEqual(["rg-follow-test"]);
  });
});
